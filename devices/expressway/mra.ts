/**
 * The MRA request path (seed 004): `GET http://<expc>:8443/<base64url("<domain>/https/<host>/<port>")>/<path>`,
 * e.g. `c3RldmVuLmxhYi9odHRwcy8xMC40OC4zNi4yMTUvODQ0Mw` = `steven.lab/https/10.48.36.215/8443`.
 */
import { err, ok, type Result, type UclabError } from '../../emulator/result.ts';

export interface MraTarget {
  domain: string;
  scheme: 'https' | 'http';
  host: string;
  port: number;
}

export function encodeTarget(t: MraTarget): string {
  return Buffer.from(`${t.domain}/${t.scheme}/${t.host}/${t.port}`).toString('base64url');
}

/** The edge-config token: base64url of the domain alone (`/<b64 domain>/get_edge_config`). */
export function encodeDomain(domain: string): string {
  return Buffer.from(domain).toString('base64url');
}

export function mraPath(t: MraTarget, path: string): string {
  return `/${encodeTarget(t)}${path.startsWith('/') ? path : `/${path}`}`;
}

export type MraRequest =
  | { type: 'proxy'; target: MraTarget; path: string }
  | { type: 'edge-config'; domain: string; query: string };

/** Decodes the first path segment; a malformed one is a typed error, never an exception. */
export function parseMraPath(rawPath: string): Result<MraRequest, UclabError> {
  const m = /^\/([A-Za-z0-9_-]+={0,2})(\/[^?]*)?(\?.*)?$/.exec(rawPath);
  if (!m?.[1])
    return err({ code: 'mra.bad-path', message: `${rawPath} does not start with a base64url token` });
  const decoded = Buffer.from(m[1], 'base64url').toString('utf8');
  const rest = m[2] ?? '/';
  const query = m[3] ?? '';
  if (rest.startsWith('/get_edge_config')) return ok({ type: 'edge-config', domain: decoded, query });
  const parts = decoded.split('/');
  if (parts.length !== 4 || (parts[1] !== 'https' && parts[1] !== 'http')) {
    return err({
      code: 'mra.bad-target',
      message: `token decodes to "${decoded}", not <domain>/https/<host>/<port>`,
    });
  }
  const port = Number(parts[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || !parts[2]) {
    return err({ code: 'mra.bad-target', message: `token decodes to "${decoded}": bad host or port` });
  }
  return ok({
    type: 'proxy',
    target: { domain: parts[0] ?? '', scheme: parts[1], host: parts[2], port },
    path: `${rest}${query}`,
  });
}
