/**
 * Certificates as the ladder's detail shows them: the `CertSummary` a `tls.handshake` event carries
 * (emulator/events.ts), checked field by field, with its validity at the moment of the exchange.
 */

import { bool, list, obj, shortValue, str } from './fields.ts';
import type { CertView, Fact } from './view.ts';

const SUMMARY_FIELDS = new Set([
  'subject',
  'issuer',
  'serial',
  'sha256',
  'notBefore',
  'notAfter',
  'keyType',
  'selfSigned',
]);

function validityAt(notBefore: string, notAfter: string, at: string): CertView['validity'] {
  const from = Date.parse(notBefore);
  const to = Date.parse(notAfter);
  const now = Date.parse(at);
  if (Number.isNaN(from) || Number.isNaN(to) || Number.isNaN(now)) return 'unknown';
  if (now < from) return 'not yet valid';
  if (now > to) return 'expired';
  return 'valid';
}

const EXTENSION_LABELS: Record<string, string> = {
  basicConstraints: 'basicConstraints',
  keyUsage: 'keyUsage',
  extKeyUsage: 'extKeyUsage',
  subjectAltName: 'subjectAltName',
};

function names(v: unknown): string | null {
  return Array.isArray(v) ? v.map(String).join(', ') : null;
}

/**
 * The extensions of a summary (emulator/events.ts `CertExtensions`), as openssl x509 -text words them
 * (`CA:TRUE, pathlen:0`); an extension the certificate lacks says so, since its absence can decide
 * a trust rule (a trust certificate without keyCertSign, seed 000). Unknown fields are shown as they are.
 */
function extensionFacts(ext: Record<string, unknown> | null): Fact[] {
  if (!ext) return [];
  const out: Fact[] = [];
  for (const [k, v] of Object.entries(ext)) {
    const label = EXTENSION_LABELS[k];
    if (k === 'unreadable') {
      if (typeof v === 'string') out.push({ label: 'extensions', value: `unreadable: ${v}`, tone: 'bad' });
    } else if (k === 'basicConstraints') {
      const bc = obj(v);
      const pathLength = bc && typeof bc.pathLength === 'number' ? `, pathlen:${bc.pathLength}` : '';
      out.push({
        label: 'basicConstraints',
        value: bc
          ? `CA:${bc.ca === true ? 'TRUE' : 'FALSE'}${pathLength}${bc.critical === true ? ' (critical)' : ''}`
          : '(none)',
      });
    } else if (label) {
      const text = names(v);
      out.push({ label, value: text ? text : '(none)' });
    } else out.push({ label: k, value: shortValue(v, 400) });
  }
  return out;
}

/** A certificate summary from an event, or null when the value is not one. */
export function certView(v: unknown, at: string): CertView | null {
  const o = obj(v);
  const subject = str(o?.subject);
  if (!o || subject === null) return null;
  const notBefore = str(o.notBefore) ?? '';
  const notAfter = str(o.notAfter) ?? '';
  const extensions: Fact[] = extensionFacts(obj(o.extensions));
  // Any field beyond the summary (an event kind may add its own) is shown as is.
  for (const [k, val] of Object.entries(o)) {
    if (SUMMARY_FIELDS.has(k) || k === 'extensions') continue;
    extensions.push({ label: k, value: shortValue(val, 400) });
  }
  return {
    subject,
    issuer: str(o.issuer) ?? '',
    serial: str(o.serial) ?? '',
    sha256: str(o.sha256) ?? '',
    notBefore,
    notAfter,
    keyType: str(o.keyType) ?? '',
    selfSigned: bool(o.selfSigned) ?? false,
    validity: validityAt(notBefore, notAfter, at),
    extensions,
  };
}

/** The certificates of a chain list (issuer side of a peer chain). */
export function certList(v: unknown, at: string): CertView[] {
  return list(v)
    .map((c) => certView(c, at))
    .filter((c): c is CertView => c !== null);
}

/** The common name of a subject, for one-line titles (`CN=cucm-pub.lab.example` → `cucm-pub.lab.example`). */
export function commonName(subject: string): string {
  const m = /(?:^|[,/]\s*)CN=([^,/]+)/.exec(subject);
  return m?.[1]?.trim() ?? subject;
}
