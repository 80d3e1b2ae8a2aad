/**
 * Just enough HTTP/1.1 for provisioning (RFC 9112): one request head read from a stream, one response
 * written back. The provisioning server must keep the raw TLS socket (it renegotiates on it between
 * request and response, as Apache's mod_ssl does), so node:http is not an option.
 */
import { err, ok, type Result, type UclabError } from '../../emulator/result.ts';

export const HTTP_MAX_HEAD_BYTES = 16384;

export interface HttpRequest {
  method: string;
  path: string;
  version: string;
  headers: Map<string, string>;
  /** The request line as sent, for access logs (`"GET /x HTTP/1.1"`). */
  line: string;
}

export interface HttpResponse {
  status: number;
  reason: string;
  headers: Map<string, string>;
  body: Buffer;
}

/** Parses a request head (up to and including the blank line). */
export function parseRequestHead(head: string): Result<HttpRequest, UclabError> {
  const lines = head.split('\r\n');
  const line = lines[0] ?? '';
  const m = /^([A-Z]+) (\S+) (HTTP\/1\.[01])$/.exec(line);
  if (!m)
    return err({
      code: 'http.bad-request-line',
      message: `not an HTTP/1.x request line: ${JSON.stringify(line.slice(0, 80))}`,
    });
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    if (l === '') continue;
    const i = l.indexOf(':');
    if (i <= 0)
      return err({
        code: 'http.bad-header',
        message: `malformed header line: ${JSON.stringify(l.slice(0, 80))}`,
      });
    headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  return ok({ method: m[1] as string, path: m[2] as string, version: m[3] as string, headers, line });
}

/** Parses a response (head and Content-Length body) from the bytes received so far; null if incomplete. */
export function parseResponse(buf: Buffer): Result<HttpResponse | null, UclabError> {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) {
    return buf.length > HTTP_MAX_HEAD_BYTES
      ? err({ code: 'http.head-too-long', message: 'response head too long' })
      : ok(null);
  }
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0] ?? '');
  if (!m)
    return err({
      code: 'http.bad-status-line',
      message: `not an HTTP status line: ${JSON.stringify(lines[0])}`,
    });
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  const length = Number(headers.get('content-length') ?? '0');
  const body = buf.subarray(end + 4);
  if (body.length < length) return ok(null);
  return ok({ status: Number(m[1]), reason: m[2] ?? '', headers, body: body.subarray(0, length) });
}

const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
};

export function encodeResponse(
  status: number,
  body: string | Buffer,
  contentType = 'text/html; charset=iso-8859-1',
): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  const head = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Status'}`,
    'Server: Apache/2.4.7 (Ubuntu)',
    `Content-Length: ${b.length}`,
    `Content-Type: ${contentType}`,
    'Connection: close',
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), b]);
}

/** Apache's canned error page body (e.g. 403), so curl shows what a browser would. */
export function apacheErrorPage(status: 403 | 404 | 400, path: string): string {
  const title = `${status} ${REASONS[status]}`;
  const text =
    status === 403
      ? `You don't have permission to access ${path}\non this server.`
      : status === 404
        ? `The requested URL ${path} was not found on this server.`
        : 'Your browser sent a request that this server could not understand.';
  return `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>${title}</title>\n</head><body>\n<h1>${REASONS[status]}</h1>\n<p>${text}<br />\n</p>\n</body></html>\n`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** Apache 2.4 error_log time stamp: `Mon Nov 23 18:54:28.123456 2026` (UTC in the lab). */
export function apacheErrorTime(d: Date): string {
  const micro = String(d.getUTCMilliseconds() * 1000).padStart(6, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(
    d.getUTCMinutes(),
  )}:${p2(d.getUTCSeconds())}.${micro} ${d.getUTCFullYear()}`;
}

/** Apache access/ssl_request_log time stamp (`%t`): `[23/Nov/2026:18:54:28 +0000]`. */
export function apacheLogTime(d: Date): string {
  return `[${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(
    d.getUTCMinutes(),
  )}:${p2(d.getUTCSeconds())} +0000]`;
}
