/**
 * The Cisco TFTP service's HTTP port 6970: the TFTP directory over HTTP/1.1 (GET and HEAD, keep-alive;
 * 400, 404, 405, 431, 501 otherwise). Phones of 8.x firmware and later fetch their trust lists and
 * configs here before they try TFTP. A minimal server of our own (tftp-service.ts builds the files).
 *
 * Message framing follows RFC 9112 §6: a request body is delimited by Content-Length, and the server
 * reads (and discards) exactly that many bytes before it reads the next request, so bytes inside a
 * body are never taken for a request (a POST whose body is `GET /ITLFile.tlv ...` gets its 405 and
 * nothing else). What the server cannot delimit safely it answers and then closes: a Transfer-Encoding
 * (RFC 7230 section 6.1: 501, this server decodes none), both Transfer-Encoding and Content-Length, a Content-Length
 * that is not one decimal number (RFC 7230 section 3.3.3: 400), a head over 16 KB (RFC 6585 431).
 *
 * Deadlines (http-deadline.ts): the head must arrive within the header timeout of the connection
 * being ready, the body within the request timeout of the head; a peer that stalls is closed.
 */
import type { EventMap } from '../../emulator/events.ts';
import type { Connection } from '../../emulator/fabric.ts';
import type { ByteStream } from '../../emulator/net/types.ts';
import { ByteQueue } from '../protocols/framer.ts';
import { HttpDeadline, type HttpTimeouts } from './http-deadline.ts';
import { httpPathToTftpName } from './http-path.ts';

/** Largest request head accepted (request line and headers, with the blank line). */
export const MAX_HEAD_BYTES = 16_384;

export interface RequestHead {
  method: string;
  target: string;
  version: '1.0' | '1.1';
  headers: [string, string][];
  /** The client asked to close after this request (HTTP/1.0, or `Connection: close`). */
  close: boolean;
  /** Body bytes that follow the head (Content-Length; 0 when absent). */
  bodyLength: number;
}

/** What a chunk of bytes holds: complete request heads, in order, or a reason to answer and close. */
export type ReaderItem =
  | { kind: 'request'; head: RequestHead }
  | { kind: 'refuse'; status: number; reason: string };

/**
 * Splits one connection's bytes into request heads, skipping each request's body by its
 * Content-Length. Holds at most one partial head (≤ MAX_HEAD_BYTES) and never copies a body. The
 * partial head grows in a ByteQueue (devices/protocols/framer.ts), as the stream framers' buffers do:
 * a head arriving one byte per write costs what it costs whole, not a copy of the head per byte.
 */
export class HttpRequestReader {
  /** Bytes of the next head(s) not yet complete: appended in place, never re-copied per chunk. */
  readonly #pending = new ByteQueue();
  /** Body bytes of the current request still to discard. */
  #skip = 0;
  #failed = false;

  /** Whether a body is being read (the request deadline applies, not the header one). */
  get inBody(): boolean {
    return this.#skip > 0;
  }

  /** Whether some bytes of a next head have arrived. */
  get inHead(): boolean {
    return this.#pending.length > 0;
  }

  push(chunk: Buffer): ReaderItem[] {
    const out: ReaderItem[] = [];
    if (this.#failed) return out;
    let data = chunk;
    if (this.#skip > 0) {
      const n = Math.min(this.#skip, data.length);
      this.#skip -= n;
      data = data.subarray(n);
    }
    if (data.length === 0) return out;
    // Search only where a new terminator can be: from 3 bytes before the new data.
    let from = Math.max(0, this.#pending.length - 3);
    this.#pending.append(data);
    while (this.#pending.length > 0) {
      const held = this.#pending.view();
      const end = held.indexOf('\r\n\r\n', from, 'latin1');
      if (end < 0 || end + 4 > MAX_HEAD_BYTES) {
        if (held.length >= MAX_HEAD_BYTES) {
          this.#failed = true;
          this.#pending.clear();
          out.push({ kind: 'refuse', status: 431, reason: 'Request Header Fields Too Large' });
        }
        return out;
      }
      const item = parseHead(held.subarray(0, end).toString('latin1'));
      this.#pending.skip(end + 4);
      out.push(item);
      if (item.kind === 'refuse') {
        this.#failed = true;
        this.#pending.clear();
        return out;
      }
      // The body may already be here, in part or whole, with the next request after it.
      const inQueue = Math.min(item.head.bodyLength, this.#pending.length);
      this.#pending.skip(inQueue);
      this.#skip = item.head.bodyLength - inQueue;
      from = 0;
    }
    return out;
  }
}

function parseHead(text: string): ReaderItem {
  const [requestLine = '', ...lines] = text.split('\r\n');
  const m = /^([A-Z]+) (\S+) HTTP\/(1\.[01])$/.exec(requestLine);
  if (!m) return { kind: 'refuse', status: 400, reason: 'Bad Request' };
  const headers: [string, string][] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    // RFC 9112 §5.1: no whitespace between the field name and the colon; obsolete line folding refused.
    if (colon <= 0 || /[\s]/.test(line.slice(0, colon)))
      return { kind: 'refuse', status: 400, reason: 'Bad Request' };
    headers.push([line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]);
  }
  const values = (name: string) => headers.filter(([n]) => n === name).map(([, v]) => v);
  const te = values('transfer-encoding');
  const cl = values('content-length').flatMap((v) => v.split(',').map((x) => x.trim()));
  if (te.length > 0 && cl.length > 0) return { kind: 'refuse', status: 400, reason: 'Bad Request' };
  if (te.length > 0) return { kind: 'refuse', status: 501, reason: 'Not Implemented' };
  if (cl.some((v) => !/^\d{1,15}$/.test(v)) || new Set(cl).size > 1)
    return { kind: 'refuse', status: 400, reason: 'Bad Request' };
  const version = m[3] as '1.0' | '1.1';
  const connection = values('connection').join(',').toLowerCase();
  return {
    kind: 'request',
    head: {
      method: m[1] as string,
      target: m[2] as string,
      version,
      headers,
      close: version === '1.0' || /\bclose\b/.test(connection),
      bodyLength: cl.length > 0 ? Number(cl[0]) : 0,
    },
  };
}

export interface TftpHttpHost {
  log(source: string, text: string, level?: 'debug' | 'info' | 'warning' | 'error'): void;
  now(): number;
  /** The file a clean TFTP name serves, or null. */
  file(name: string): { readonly bytes: Buffer } | null;
  /** The name the trace shows a request as (`CTLSEP<MAC>.tlv` → `CTLFile.tlv`). */
  servedName(name: string): string;
  /** `0x...~188~<ip>~<port>`, the trace's connection context. */
  context(peer: { address: string; port: number }): string;
  timeouts: HttpTimeouts;
  /** Puts an answered request on the timeline (`http.request`). */
  request?(e: EventMap['http.request']): void;
}

/** Serves one 6970 connection. */
export function serveTftpHttp(h: TftpHttpHost, c: Connection): void {
  const socket: ByteStream = c.socket;
  const peer = { address: c.remote.address, port: c.remote.port };
  const reader = new HttpRequestReader();
  let asked: RequestHead | null = null;
  const deadline = new HttpDeadline(socket, h.timeouts, (phase, ms) =>
    h.log(
      'tftp',
      `HttpRequestHandler::processRequest[${h.context(peer)}], connection closed: no complete request ${phase === 'head' ? 'head' : 'body'} within ${ms} ms`,
      'warning',
    ),
  );
  const respond = (
    status: number,
    reason: string,
    body: Buffer,
    o: { type?: string; close: boolean; head?: boolean; allow?: boolean },
  ) => {
    const headers = [
      `HTTP/1.1 ${status} ${reason}`,
      `Content-Type: ${o.type ?? 'text/plain'}`,
      `Content-Length: ${body.length}`,
      `Date: ${new Date(h.now()).toUTCString()}`,
      ...(o.allow ? ['Allow: GET, HEAD'] : []),
      ...(o.close ? ['Connection: close'] : []),
    ];
    h.request?.({
      connId: c.id,
      service: 'tftp-http',
      method: asked?.method ?? '?',
      path: asked?.target ?? '?',
      host: asked?.headers.find(([n]) => n.toLowerCase() === 'host')?.[1] ?? null,
      status,
      bytes: o.head ? 0 : body.length,
      peer,
    });
    socket.write(
      Buffer.concat([
        Buffer.from(`${headers.join('\r\n')}\r\n\r\n`, 'latin1'),
        o.head ? Buffer.alloc(0) : body,
      ]),
    );
    if (o.close) {
      deadline.stop();
      socket.end();
    }
  };
  // The deadline restarts when a request completes or a body ends, never on a mere chunk: a peer
  // dripping a head byte by byte is still held to the header timeout.
  let inBody = false;
  socket.on('data', (chunk: Buffer) => {
    if (socket.destroyed) return;
    const items = reader.push(chunk);
    for (const item of items) {
      if (item.kind === 'refuse') {
        h.log(
          'tftp',
          `HttpRequestHandler::processRequest[${h.context(peer)}], ${item.status} ${item.reason}`,
          'warning',
        );
        asked = null;
        respond(item.status, item.reason, Buffer.from(`${item.reason}\n`), { close: true });
        return;
      }
      deadline.answering();
      asked = item.head;
      if (!answer(h, peer, item.head, respond)) return;
    }
    if (items.length === 0 && reader.inBody === inBody) return;
    inBody = reader.inBody;
    if (inBody) deadline.awaitingBody();
    else deadline.awaitingHead();
  });
}

/** Answers one request; false when the connection closes after it. */
function answer(
  h: TftpHttpHost,
  peer: { address: string; port: number },
  req: RequestHead,
  respond: (
    status: number,
    reason: string,
    body: Buffer,
    o: { type?: string; close: boolean; head?: boolean; allow?: boolean },
  ) => void,
): boolean {
  const close = req.close;
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    respond(405, 'Method Not Allowed', Buffer.from('Method Not Allowed\n'), { close, allow: true });
    return !close;
  }
  const name = httpPathToTftpName(req.target);
  const path = name.ok ? name.value : name.error.requested;
  const f = name.ok ? h.file(name.value) : null;
  const ctx = h.context(peer);
  if (!name.ok && name.error.status === 400) {
    h.log('tftp', `HttpRequestHandler::processRequest[${ctx}], GET [${path}] 400 Bad Request`, 'warning');
    respond(400, 'Bad Request', Buffer.from('Bad Request\n'), { close, head });
  } else if (!f) {
    h.log('tftp', `HttpRequestHandler::processRequest[${ctx}], GET [${path}] 404 File not found`, 'warning');
    respond(404, 'Not Found', Buffer.from('File not found\n'), { close, head });
  } else {
    h.log(
      'tftp',
      `HttpRequestHandler::processRequest[${ctx}], GET [${path}] Transferred[${h.servedName(path)}]`,
      'debug',
    );
    respond(200, 'OK', f.bytes, {
      type: /\.xml$/i.test(path) ? 'text/xml' : 'application/octet-stream',
      close,
      head,
    });
  }
  return !close;
}
