/**
 * Expressway-C's traffic server (Apache Traffic Server on the real box) for MRA HTTPS (seed 004):
 * receives `GET http://<expc>:8443/<base64url("<domain>/https/<host>/<port>")>/<path>`, checks the
 * allow list ("Automatically generated rule for CUCM server", built by Unified CM discovery), and
 * proxies to CUCM 8443 / 6972 over TLS through `connectOrigin` (origin.ts), which is where X14.2
 * verifies. A failed origin connection answers `502 connect failed`. Every line is logged with source
 * `traffic_server`, in the structure of seed 004.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Fabric } from '../../emulator/fabric.ts';
import { asDuplex } from '../../emulator/net/types.ts';
import { xmlEscape } from '../../emulator/text.ts';
import { utc } from './log-time.ts';
import { parseMraPath } from './mra.ts';
import { connectOrigin, type OriginConfig } from './origin.ts';

export interface AllowRule {
  /** `https://cucm.lab:8443/cucm-uds/user/` */
  prefix: string;
  type: string;
}

export interface EdgeServer {
  /** The node as CUCM advertises it (System > Server: FQDN, host name or IP). */
  address: string;
}

export interface TrafficServerHost {
  fabric: Fabric;
  device: string;
  /** How the traffic server names itself in `Receive Request` (`vcs_control.steven.lab`). */
  selfName: string;
  port: number;
  log(text: string, level?: 'debug' | 'info' | 'warning' | 'error'): void;
  allowList(): AllowRule[];
  originConfig(): OriginConfig;
  edgeServers(): EdgeServer[] | null;
}

function head(level: string, detail: string, txn: number, tracking: string): string {
  return `UTCTime="${utc()}" Module="network.http.trafficserver" Level="${level}": Detail="${detail}" Txn-id="${txn}" TrackingID="${tracking}"`;
}

function usernameOf(req: IncomingMessage, path: string): string {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const user = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')[0];
    if (user) return user;
  }
  return /\/cucm-uds\/user\/([^/?]+)/.exec(path)?.[1] ?? '';
}

/** The get_edge_config answer: the UDS and TFTP servers MRA clients use, as CUCM advertises them. */
export function edgeConfigXml(servers: EdgeServer[]): string {
  const uds = servers
    .map(
      (s, i) =>
        `<server><priority>${i + 1}</priority><weight>1</weight><port>8443</port><address>${xmlEscape(s.address)}</address></server>`,
    )
    .join('');
  const tftp = servers.map((s) => `<server><address>${xmlEscape(s.address)}</address></server>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><getEdgeConfigResponse version="1.0"><serviceConfig><service><name>_cisco-uds</name>${uds}</service><service><name>tftpServer</name>${tftp}</service></serviceConfig></getEdgeConfigResponse>`;
}

export class TrafficServer {
  #txn = 100;
  constructor(readonly host: TrafficServerHost) {}

  /** The request handler (an http.Server fed with fabric sockets calls it). */
  handle = (req: IncomingMessage, res: ServerResponse): void => {
    void this.#handle(req, res).catch((e: Error) => {
      this.host.log(`ERROR: internal error: ${e.message}`, 'error');
      if (!res.headersSent) {
        res.writeHead(500, 'Internal Server Error');
        res.end();
      }
    });
  };

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const txn = ++this.#txn;
    const tracking = randomUUID();
    const src = { ip: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0 };
    const url = req.url ?? '/';
    const log = this.host.log.bind(this.host);
    log(
      `${head('INFO', 'Receive Request', txn, tracking)} Src-ip="${src.ip}" Src-port="${src.port}" Last-via-addr="" Msg="${req.method} http://${this.host.selfName}:${this.host.port}${url} HTTP/${req.httpVersion}"`,
    );
    const respond = (status: number, reason: string, body = '', type = 'text/plain') => {
      res.writeHead(status, reason, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      log(
        `${head('INFO', 'Sending Response', txn, '')} Dst-ip="${src.ip}" Dst-port="${src.port}" Msg="HTTP/1.1 ${status} ${reason}"`,
      );
    };

    const parsed = parseMraPath(url);
    if (!parsed.ok) {
      log(`${head('INFO', 'Request Rejected', txn, tracking)} Reason="${parsed.error.message}"`, 'warning');
      respond(400, 'Bad Request');
      return;
    }
    if (parsed.value.type === 'edge-config') {
      const servers = this.host.edgeServers();
      if (!servers || servers.length === 0) {
        respond(404, 'Not Found');
        return;
      }
      respond(200, 'OK', edgeConfigXml(servers), 'application/xml');
      return;
    }
    const { target, path } = parsed.value;
    const username = usernameOf(req, path);
    const requestUrl = `${target.scheme}://${target.host}:${target.port}${path}`;
    const rule = this.host
      .allowList()
      .filter((r) => requestUrl.toLowerCase().startsWith(r.prefix.toLowerCase()))
      .sort((a, b) => b.prefix.length - a.prefix.length)[0];
    if (!rule) {
      log(
        `Event="Request Denied" Detail="Access denied" Reason="Not in allow list" Username="${username}" Deployment="1" Method="${req.method}" Request="${requestUrl.split('?')[0]}" UTCTime="${utc()}"`,
        'warning',
      );
      respond(403, 'Forbidden');
      return;
    }
    log(
      `Event="Request Allowed" Detail="Access allowed" Reason="In allow list" Username="${username}" Deployment="1" Method="${req.method}" Request="${rule.prefix}" Match="prefix" Type="${rule.type}" UTCTime="${utc()}"`,
    );
    const resolved = this.host.fabric.resolve(target.host);
    const dstIp = resolved.ok ? resolved.value : target.host;
    log(
      `${head('INFO', 'Sending Request', txn, tracking)} Dst-ip="${dstIp}" Dst-port="${target.port}" Msg="${req.method} ${path} HTTP/1.1"`,
    );
    const origin = await connectOrigin(
      this.host.fabric,
      this.host.device,
      { host: target.host, port: target.port },
      this.host.originConfig(),
      (line, level) => log(line, level),
    );
    if (!origin.ok) {
      respond(502, 'connect failed');
      return;
    }
    const sock = asDuplex(origin.value.conn.socket);
    const upstream = await new Promise<
      { status: number; reason: string; headers: Record<string, string>; body: Buffer } | Error
    >((resolve) => {
      const headers: Record<string, string> = { Host: `${target.host}:${target.port}`, Connection: 'close' };
      if (req.headers.authorization) headers.Authorization = req.headers.authorization;
      const r = httpRequest({ method: req.method, path, headers, createConnection: () => sock }, (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () =>
          resolve({
            status: up.statusCode ?? 502,
            reason: up.statusMessage ?? '',
            headers: { 'Content-Type': String(up.headers['content-type'] ?? 'application/octet-stream') },
            body: Buffer.concat(chunks),
          }),
        );
        up.on('error', (e) => resolve(e));
      });
      r.on('error', (e) => resolve(e));
      r.setTimeout(10_000, () => r.destroy(new Error('origin did not answer within 10 s')));
      r.end();
    });
    sock.destroy();
    if (upstream instanceof Error) {
      log(`[ET_NET 0] ERROR: connection to '${target.host}' failed: ${upstream.message}`, 'error');
      respond(502, 'connect failed');
      return;
    }
    log(
      `${head('INFO', 'Receive Response', txn, '')} Src-ip="${dstIp}" Src-port="${target.port}" Msg="HTTP/1.1 ${upstream.status} ${upstream.reason}"`,
    );
    res.writeHead(upstream.status, upstream.reason, {
      ...upstream.headers,
      'Content-Length': upstream.body.length,
    });
    res.end(upstream.body);
    log(
      `${head('INFO', 'Sending Response', txn, '')} Dst-ip="${src.ip}" Dst-port="${src.port}" Msg="HTTP/1.1 ${upstream.status} ${upstream.reason}"`,
    );
  }
}
