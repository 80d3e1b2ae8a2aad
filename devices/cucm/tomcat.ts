/**
 * CUCM's Tomcat, as MRA clients and Expressway-C meet it (seed 004):
 * - HTTPS 8443 with the UDS endpoints Jabber uses (`/cucm-uds/version`, `/cucm-uds/servers`,
 *   `/cucm-uds/clusterUser?username=`, `/cucm-uds/user/<id>`, `/cucm-uds/user/<id>/devices`);
 * - HTTPS 6972, the TFTP service's HTTPS file server (`/CSFemusk.cnf.xml`, `/ITLFile.tlv`, ...), answered
 *   through the node's resolver callback.
 *
 * Both ports hold the node's `tomcat` (RSA) and, when it has one, `tomcat-ECDSA` (EC) identities, and
 * OpenSSL picks one per handshake. How it picks differs by port, as seed 004 captured it: the same
 * X14.2 traffic server (ECDSA-first cipher list) got the CA-signed RSA `tomcat` on 8443 and the
 * self-signed `cucm-EC` certificate on 6972. So 6972 follows the client's cipher preference
 * (`honorCipherOrder:false`, docs/reference/toolchain.md §3.7) and 8443 by default keeps the server's own order,
 * RSA first; `cipherSelection['8443'] = 'client'` makes 8443 follow the client too.
 *
 * The CUCM node model calls `startTomcat(fabric, deviceName, {...})` and `tomcat.restart({...})`
 * after a certificate change (on the real box: `utils service restart Cisco Tomcat`): the ports keep
 * listening and take the new certificates for every new connection (`TlsListener.update()`).
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Endpoint, EventMap } from '../../emulator/events.ts';
import type { Fabric, Listener, TlsIdentity, TlsListener, TlsServerConfig } from '../../emulator/fabric.ts';
import { asDuplex, type SecureStream } from '../../emulator/net/types.ts';
import type { Result } from '../../emulator/result.ts';
import { xmlEscape } from '../../emulator/text.ts';
import { httpRequestEvent } from '../protocols/events.ts';
import { DEFAULT_HTTP_TIMEOUTS, HttpDeadline, type HttpTimeouts } from './http-deadline.ts';
import { httpPathToTftpName } from './http-path.ts';

/** The server's own order on 8443 when it does not follow the client: RSA suites first. */
export const TOMCAT_SERVER_CIPHERS =
  'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-GCM-SHA256';

export interface UdsUser {
  id: string;
  devices: string[];
}

export interface FileError {
  /** HTTP status to answer, 404 for a missing file. */
  status: number;
  message: string;
}

export type FileResolver = (
  filename: string,
  peer: Endpoint,
) => Result<Buffer, FileError> | Promise<Result<Buffer, FileError>>;

export type CipherSelection = 'client' | 'server';

export interface TomcatOptions {
  /** The node's `tomcat` identity (RSA) and optional `tomcat-ECDSA` identity. */
  identities: { tomcat: TlsIdentity; 'tomcat-ECDSA'?: TlsIdentity | null };
  /** End users and their devices, for `/cucm-uds/user/<id>/devices`. */
  users?: UdsUser[];
  /** Files for HTTPS 6972 (TFTP over HTTPS). Absent: 6972 is not opened. */
  resolveFile?: FileResolver;
  /** The node's log; Tomcat writes with source `tomcat`. */
  log?: (source: 'tomcat', text: string, level?: 'debug' | 'info' | 'warning' | 'error') => void;
  /** CUCM version for `/cucm-uds/version`, e.g. `14.0.1.11900(132)`. */
  version?: string;
  /** Cluster nodes as System > Server names them (processNodeName: FQDN, host name or IP). */
  servers?: () => string[];
  /** This node's name as System > Server shows it (for `uri` attributes). */
  hostName?: string;
  /** Which certificate selection each port uses (see the header). */
  cipherSelection?: { '8443'?: CipherSelection; '6972'?: CipherSelection };
  /** Header and request deadlines per connection (http-deadline.ts); default Tomcat's 20 s / 60 s. */
  timeouts?: HttpTimeouts;
  ports?: { uds?: number; tftpHttps?: number };
  /** Puts an answered request on the timeline (`http.request`); startTomcat sets it. */
  request?: (e: EventMap['http.request']) => void;
}

export interface Tomcat {
  readonly listeners: Listener[];
  /** Swaps both ports onto new options (certificate regenerated, users changed) without closing them. */
  restart(opts?: Partial<TomcatOptions>): Promise<void>;
  close(): Promise<void>;
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';

/** A stable 8-4-4-4-12 pkid for a device name (UDS shows pkids in device URIs). */
function pkidOf(name: string): string {
  let h = 2166136261;
  const out: string[] = [];
  for (let round = 0; round < 4; round++) {
    for (const ch of `${round}:${name}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
    out.push(h.toString(16).padStart(8, '0'));
  }
  const hex = out.join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function deviceType(name: string): string {
  if (/^CSF/i.test(name)) return 'Cisco Unified Client Services Framework';
  if (/^BOT/i.test(name)) return 'Cisco Dual Mode for Android';
  if (/^TCT/i.test(name)) return 'Cisco Dual Mode for iPhone';
  if (/^TAB/i.test(name)) return 'Cisco Jabber for Tablet';
  return 'Cisco 8861';
}

/** The UDS answer for a path, or null (404). Pure, so tests and the probe can use it too. */
export function udsResponse(
  path: string,
  query: URLSearchParams,
  o: { users: UdsUser[]; version: string; servers: string[]; base: string },
): { status: number; body: string } | null {
  const v = xmlEscape(o.version);
  if (path === '/cucm-uds/version') {
    return {
      status: 200,
      body: `${XML_HEAD}<versionInformation uri="${o.base}/cucm-uds/version" version="${v}"><version>${v}</version></versionInformation>`,
    };
  }
  if (path === '/cucm-uds/servers') {
    const servers = o.servers.map((s) => `<server>${xmlEscape(s)}</server>`).join('');
    return {
      status: 200,
      body: `${XML_HEAD}<servers uri="${o.base}/cucm-uds/servers" version="${v}">${servers}</servers>`,
    };
  }
  if (path === '/cucm-uds/clusterUser') {
    const name = query.get('username') ?? '';
    const found = o.users.some((u) => u.id.toLowerCase() === name.toLowerCase());
    const home = found
      ? `<homeCluster uri="${o.base}/cucm-uds/clusterUser?username=${xmlEscape(name)}"><primaryNode>${xmlEscape(o.servers[0] ?? '')}</primaryNode></homeCluster>`
      : '';
    return {
      status: 200,
      body: `${XML_HEAD}<clusterUser uri="${o.base}/cucm-uds/clusterUser" version="${v}"><result found="${found}"/>${home}</clusterUser>`,
    };
  }
  const m = /^\/cucm-uds\/user\/([^/]+)(\/devices)?\/?$/.exec(path);
  if (m?.[1]) {
    let id: string;
    try {
      id = decodeURIComponent(m[1]);
    } catch {
      // `/cucm-uds/user/%ZZ`: a malformed escape is the client's error, not a missing user.
      return {
        status: 400,
        body: `${XML_HEAD}<error><code>400</code><message>Bad Request</message></error>`,
      };
    }
    const user = o.users.find((u) => u.id.toLowerCase() === id.toLowerCase());
    if (!user) return null;
    const uri = `${o.base}/cucm-uds/user/${xmlEscape(user.id)}`;
    if (!m[2]) {
      return {
        status: 200,
        body: `${XML_HEAD}<user uri="${uri}" version="${v}"><id>${pkidOf(`user:${user.id}`)}</id><userName>${xmlEscape(user.id)}</userName></user>`,
      };
    }
    const max = Number(query.get('max') ?? '64');
    const list = user.devices.slice(0, Number.isFinite(max) && max > 0 ? max : 64);
    const devices = list
      .map((d) => {
        const pkid = pkidOf(d);
        return `<device uri="${o.base}/cucm-uds/device/${pkid}"><id>${pkid}</id><name>${xmlEscape(d)}</name><type>${deviceType(d)}</type><model>${deviceType(d)}</model><protocol>SIP</protocol><description>${xmlEscape(d)}</description></device>`;
      })
      .join('');
    return {
      status: 200,
      body: `${XML_HEAD}<devices uri="${uri}/devices" version="${v}" start="0" requestedCount="${list.length}" returnedCount="${list.length}" totalCount="${user.devices.length}">${devices}</devices>`,
    };
  }
  return null;
}

function accessLog(req: IncomingMessage, status: number, bytes: number): string {
  // Tomcat localhost_access_log pattern: %h %l %u %t "%r" %s %b
  const when = new Date().toISOString();
  return `${req.socket.remoteAddress ?? '-'} - - [${when}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status} ${bytes}`;
}

function send(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  body: Buffer | string,
  type: string,
  o: TomcatOptions,
): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  // Tomcat 8.5+ sends no reason phrase: seed 004's traffic server logs `Msg="HTTP/1.1 200 "`.
  res.writeHead(status, '', { 'Content-Type': type, 'Content-Length': buf.length });
  res.end(req.method === 'HEAD' ? undefined : buf);
  o.log?.('tomcat', accessLog(req, status, buf.length), status >= 400 ? 'warning' : 'info');
  o.request?.(httpRequestEvent('tomcat', req, status, buf.length));
}

function udsHandler(current: () => TomcatOptions, port: number, selfOf: () => string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const o = current();
    const self = selfOf();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `https://${self}:${port}`);
    } catch {
      // `GET http://[::1 HTTP/1.1`: Node's parser passes the target through; URL refuses it.
      send(res, req, 400, 'Bad Request', 'text/plain', o);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, req, 405, 'Method Not Allowed', 'text/plain', o);
      return;
    }
    const answer = udsResponse(url.pathname, url.searchParams, {
      users: o.users ?? [],
      version: o.version ?? '14.0.1.11900(132)',
      servers: o.servers?.() ?? [self],
      base: `https://${self}:${port}`,
    });
    if (!answer) {
      send(
        res,
        req,
        404,
        `${XML_HEAD}<error><code>404</code><message>Not Found</message></error>`,
        'application/xml',
        o,
      );
      return;
    }
    send(res, req, answer.status, answer.body, 'application/xml', o);
  };
}

function fileHandler(current: () => TomcatOptions) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const o = current();
    serveFile(o, req, res).catch((e: unknown) => {
      // Never an unhandled rejection: answer 500 if nothing was sent yet, else drop the connection.
      o.log?.('tomcat', `error serving ${req.url}: ${(e as Error)?.message ?? String(e)}`, 'error');
      if (!res.headersSent) send(res, req, 500, 'Internal Server Error', 'text/plain', o);
      else res.destroy();
    });
  };
}

/** HTTPS 6972: the TFTP directory, names read as the 6970 service reads them (http-path.ts). */
async function serveFile(o: TomcatOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, req, 405, 'Method Not Allowed', 'text/plain', o);
    return;
  }
  const name = httpPathToTftpName(req.url ?? '/');
  if (!name.ok) {
    send(res, req, name.error.status, name.error.message, 'text/plain', o);
    return;
  }
  const filename = name.value;
  const peer = { address: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0 };
  let r: Result<Buffer, FileError>;
  try {
    r = o.resolveFile
      ? await o.resolveFile(filename, peer)
      : { ok: false, error: { status: 404, message: 'Not Found' } };
  } catch (e) {
    r = { ok: false, error: { status: 500, message: (e as Error).message } };
  }
  if (!r.ok) send(res, req, r.error.status, r.error.message, 'text/plain', o);
  else {
    const type = filename.endsWith('.xml') ? 'application/xml' : 'application/octet-stream';
    send(res, req, 200, r.value, type, o);
  }
}

/**
 * One http.Server per port, fed with the fabric's TLS streams (devices never open sockets themselves).
 * `serve` hands it one connection with its own header and request deadlines: a server that does not
 * listen itself never arms node:http's timeouts (http-deadline.ts).
 */
function httpFor(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  current: () => TomcatOptions,
  port: number,
): { serve(stream: SecureStream): void } {
  const s = createServer({ keepAlive: true }, handler);
  const deadlines = new WeakMap<object, HttpDeadline>();
  s.on('clientError', (_e, sock) => {
    if (sock.writable) sock.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  s.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const deadline = deadlines.get(req.socket);
    if (!deadline) return;
    // The body (if any) must be in within the request timeout; the next head, once both the body
    // and the response are done, within the header timeout.
    let bodyDone = false;
    let answered = false;
    deadline.awaitingBody();
    req.on('end', () => {
      bodyDone = true;
      if (answered) deadline.awaitingHead();
      else deadline.answering();
    });
    res.on('finish', () => {
      answered = true;
      if (bodyDone) deadline.awaitingHead();
    });
    req.resume();
  });
  return {
    serve(stream: SecureStream) {
      const duplex = asDuplex(stream);
      const peer = `${stream.remoteAddress ?? '-'}:${stream.remotePort ?? 0}`;
      deadlines.set(
        duplex,
        new HttpDeadline(stream, current().timeouts ?? DEFAULT_HTTP_TIMEOUTS, (phase, ms) =>
          current().log?.(
            'tomcat',
            `Connection from ${peer} to port ${port} closed: no complete request ${phase} within ${ms} ms`,
            'warning',
          ),
        ),
      );
      s.emit('connection', duplex);
    },
  };
}

/** The secure context of one port; `update()` swaps it in place on a certificate change. */
function portConfig(opts: TomcatOptions, selection: CipherSelection): TlsServerConfig {
  return {
    identities: [
      opts.identities.tomcat,
      ...(opts.identities['tomcat-ECDSA'] ? [opts.identities['tomcat-ECDSA']] : []),
    ],
    maxVersion: 'TLSv1.2',
    ...(selection === 'server'
      ? { honorCipherOrder: true, ciphers: TOMCAT_SERVER_CIPHERS }
      : { honorCipherOrder: false }),
  };
}

/** Starts Tomcat on the node's address: 8443 (UDS) and, with a resolver, 6972 (TFTP over HTTPS). */
export async function startTomcat(
  fabric: Fabric,
  deviceName: string,
  options: TomcatOptions,
): Promise<Tomcat> {
  let opts: TomcatOptions = {
    request: (e) => fabric.timeline.emit(deviceName, 'http.request', e),
    ...options,
  };
  // The handlers read the current options, so a restart with new users or files needs no new server.
  const current = () => opts;
  const self = () => opts.hostName ?? deviceName;
  const udsPort = opts.ports?.uds ?? 8443;
  const filePort = opts.ports?.tftpHttps ?? 6972;
  const selection = (port: '8443' | '6972'): CipherSelection =>
    opts.cipherSelection?.[port] ?? (port === '8443' ? 'server' : 'client');
  const started = (o: TomcatOptions) =>
    o.log?.(
      'tomcat',
      `Tomcat started: 8443 (UDS) ${o.resolveFile ? 'and 6972 (TFTP over HTTPS) ' : ''}with ${o.identities['tomcat-ECDSA'] ? 'tomcat and tomcat-ECDSA' : 'tomcat'}`,
    );

  const uds = httpFor(udsHandler(current, udsPort, self), current, udsPort);
  const udsListener = await fabric.listenTls(deviceName, udsPort, portConfig(opts, selection('8443')), {
    onConnection: (c) => uds.serve(c.socket),
  });
  let fileListener: TlsListener | null = null;
  if (opts.resolveFile) {
    const files = httpFor(fileHandler(current), current, filePort);
    fileListener = await fabric.listenTls(deviceName, filePort, portConfig(opts, selection('6972')), {
      onConnection: (c) => files.serve(c.socket),
    });
  }
  started(opts);
  const all = () => [udsListener, ...(fileListener ? [fileListener] : [])];
  return {
    get listeners() {
      return all();
    },
    async restart(next?: Partial<TomcatOptions>) {
      // "utils service restart Cisco Tomcat": each port swaps its secure context in place (the
      // fabric keeps honorCipherOrder across update(), so 6972 still follows the client's order and
      // picks the ECDSA certificate for an ECDSA-first client, seed 004). New connections get the new
      // certificate at once; connections already up finish on the old one.
      opts = { ...opts, ...next };
      udsListener.update(portConfig(opts, selection('8443')));
      fileListener?.update(portConfig(opts, selection('6972')));
      started(opts);
    },
    async close() {
      await Promise.all(all().map((l) => l.close()));
    },
  };
}
