/**
 * Expressway-C's traffic server (Apache Traffic Server on the real box) for MRA HTTPS (seed 004):
 * receives `GET http://<expc>:8443/<base64url("<domain>/https/<host>/<port>")>/<path>`, checks the
 * allow list ("Automatically generated rule for CUCM server", built by Unified CM discovery), and
 * proxies to CUCM 8443 / 6972 over TLS through `connectOrigin` (origin.ts), which is where X14.2
 * verifies. A failed origin connection answers `502 connect failed`. Every line is logged with source
 * `traffic_server`, in the structure of seed 004.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventMap } from '../../emulator/events.ts';
import type { Fabric } from '../../emulator/fabric.ts';
import type { SecureStream } from '../../emulator/net/types.ts';
import { xmlEscape } from '../../emulator/text.ts';
import { httpRequestEvent } from '../protocols/events.ts';
import './events.ts';
import { httpGetOver } from './https-get.ts';
import { utc } from './log-time.ts';
import { parseMraPath } from './mra.ts';
import { connectOrigin, type OriginConfig, type OriginDecision } from './origin.ts';

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
  /** Puts a finished request, with the answer sent, on the timeline. */
  request(e: EventMap['expressway.mra-request']): void;
  allowList(): AllowRule[];
  originConfig(): OriginConfig;
  edgeServers(): EdgeServer[] | null;
}

type Outcome = EventMap['expressway.mra-request']['outcome'];

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
    const method = req.method ?? 'GET';
    const log = this.host.log.bind(this.host);
    log(
      `${head('INFO', 'Receive Request', txn, tracking)} Src-ip="${src.ip}" Src-port="${src.port}" Last-via-addr="" Msg="${method} http://${this.host.selfName}:${this.host.port}${url} HTTP/${req.httpVersion}"`,
    );
    let target: string | null = null;
    let username = '';
    let verdict: OriginDecision | null = null;
    const record = (outcome: Outcome, status: number, reason: string) => {
      this.host.fabric.timeline.emit(
        this.host.device,
        'http.request',
        httpRequestEvent('traffic_server', req, status, null),
      );
      this.host.request({
        txn,
        method,
        path: url,
        target,
        username,
        outcome,
        status,
        reason,
        origin: verdict ? { accepted: verdict.accepted, kind: verdict.kind, reason: verdict.reason } : null,
      });
    };
    const sent = (status: number, reason: string) =>
      log(
        `${head('INFO', 'Sending Response', txn, '')} Dst-ip="${src.ip}" Dst-port="${src.port}" Msg="HTTP/1.1 ${status} ${reason}"`,
      );
    const respond = (outcome: Outcome, status: number, reason: string, body = '', type = 'text/plain') => {
      res.writeHead(status, reason, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      sent(status, reason);
      record(outcome, status, reason);
    };

    const parsed = parseMraPath(url);
    if (!parsed.ok) {
      log(`${head('INFO', 'Request Rejected', txn, tracking)} Reason="${parsed.error.message}"`, 'warning');
      respond('bad-request', 400, 'Bad Request');
      return;
    }
    if (parsed.value.type === 'edge-config') {
      const servers = this.host.edgeServers();
      if (!servers || servers.length === 0) {
        respond('edge-config', 404, 'Not Found');
        return;
      }
      respond('edge-config', 200, 'OK', edgeConfigXml(servers), 'application/xml');
      return;
    }
    const { target: t, path } = parsed.value;
    username = usernameOf(req, path);
    const requestUrl = `${t.scheme}://${t.host}:${t.port}${path}`;
    target = requestUrl;
    const rule = this.host
      .allowList()
      .filter((r) => requestUrl.toLowerCase().startsWith(r.prefix.toLowerCase()))
      .sort((a, b) => b.prefix.length - a.prefix.length)[0];
    if (!rule) {
      log(
        `Event="Request Denied" Detail="Access denied" Reason="Not in allow list" Username="${username}" Deployment="1" Method="${method}" Request="${requestUrl.split('?')[0]}" UTCTime="${utc()}"`,
        'warning',
      );
      respond('denied', 403, 'Forbidden');
      return;
    }
    log(
      `Event="Request Allowed" Detail="Access allowed" Reason="In allow list" Username="${username}" Deployment="1" Method="${method}" Request="${rule.prefix}" Match="prefix" Type="${rule.type}" UTCTime="${utc()}"`,
    );
    const resolved = this.host.fabric.resolve(t.host);
    const dstIp = resolved.ok ? resolved.value : t.host;
    log(
      `${head('INFO', 'Sending Request', txn, tracking)} Dst-ip="${dstIp}" Dst-port="${t.port}" Msg="${method} ${path} HTTP/1.1"`,
    );
    const origin = await connectOrigin(
      this.host.fabric,
      this.host.device,
      { host: t.host, port: t.port },
      this.host.originConfig(),
      (line, level) => log(line, level),
    );
    verdict = origin.ok ? origin.value.decision : origin.error.decision;
    if (!origin.ok) {
      respond('origin-failed', 502, 'connect failed');
      return;
    }
    const stream: SecureStream = origin.value.conn.socket;
    const upstream = await httpGetOver(stream, `${t.host}:${t.port}`, path, {
      method,
      headers: req.headers.authorization ? { Authorization: req.headers.authorization } : {},
      timeoutMs: 10_000,
      timeoutMessage: 'origin did not answer within 10 s',
    });
    stream.destroy();
    if (upstream instanceof Error) {
      log(`[ET_NET 0] ERROR: connection to '${t.host}' failed: ${upstream.message}`, 'error');
      respond('origin-failed', 502, 'connect failed');
      return;
    }
    log(
      `${head('INFO', 'Receive Response', txn, '')} Src-ip="${dstIp}" Src-port="${t.port}" Msg="HTTP/1.1 ${upstream.status} ${upstream.reason}"`,
    );
    res.writeHead(upstream.status, upstream.reason, {
      'Content-Type': String(upstream.headers['content-type'] ?? 'application/octet-stream'),
      'Content-Length': upstream.body.length,
    });
    res.end(upstream.body);
    sent(upstream.status, upstream.reason);
    record('proxied', upstream.status, upstream.reason);
  }
}
