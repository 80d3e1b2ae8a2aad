/**
 * A small SIP (RFC 3261) message codec and the Cisco-specific builders the lab needs: the phone
 * REGISTER and CUCM's answers (docs/reference/sccp-sip.md §2), and OPTIONS/INVITE for SIP trunks.
 *
 * Headers are an ordered list of (name, value) pairs: order and repeats survive a round trip. The
 * body is delimited by Content-Length (mandatory on stream transports, RFC 3261 §18.3).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { err, type FormatError, formatError, ok, type Result } from '../../emulator/result.ts';
import { ByteQueue } from './framer.ts';

const FORMAT = 'sip';
export const SIP_TLS_PORT = 5061;
export const SIP_TCP_PORT = 5060;
/** Refuse header blocks and bodies beyond these: garbage, not SIP. */
export const SIP_MAX_HEADER_BYTES = 16384;
export const SIP_MAX_BODY_BYTES = 65536;
const BLANK_LINE = Buffer.from('\r\n\r\n');

export type SipHeader = [name: string, value: string];

export interface SipRequest {
  kind: 'request';
  method: string;
  uri: string;
  headers: SipHeader[];
  body: Buffer;
}
export interface SipResponse {
  kind: 'response';
  status: number;
  reason: string;
  headers: SipHeader[];
  body: Buffer;
}
export type SipMessage = SipRequest | SipResponse;

/** RFC 3261 §7.3.3 compact forms. */
const COMPACT: Record<string, string> = {
  v: 'via',
  f: 'from',
  t: 'to',
  i: 'call-id',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
};
const canon = (n: string) => {
  const l = n.toLowerCase();
  return COMPACT[l] ?? l;
};

/** First value of a header (case-insensitive, compact forms understood). */
export function header(m: SipMessage, name: string): string | undefined {
  const want = canon(name);
  return m.headers.find(([n]) => canon(n) === want)?.[1];
}

/**
 * All values of a header: every occurrence, each split on top-level commas (not inside quotes or
 * `<...>`), as RFC 3261 §7.3.1 allows for list headers such as Via, Contact, Supported.
 */
export function headerValues(m: SipMessage, name: string): string[] {
  const want = canon(name);
  const out: string[] = [];
  for (const [n, v] of m.headers) {
    if (canon(n) !== want) continue;
    // Authorization-style headers contain commas that are not list separators.
    if (/^(www-authenticate|authorization|proxy-authenticate|proxy-authorization|date|reason)$/.test(want)) {
      out.push(v);
      continue;
    }
    let depthAngle = 0;
    let quoted = false;
    let start = 0;
    for (let i = 0; i < v.length; i++) {
      const ch = v[i];
      if (ch === '"' && v[i - 1] !== '\\') quoted = !quoted;
      else if (!quoted && ch === '<') depthAngle++;
      else if (!quoted && ch === '>') depthAngle = Math.max(0, depthAngle - 1);
      else if (!quoted && depthAngle === 0 && ch === ',') {
        out.push(v.slice(start, i).trim());
        start = i + 1;
      }
    }
    out.push(v.slice(start).trim());
  }
  return out.filter((s) => s !== '');
}

/**
 * A `;name=value` parameter of a header value (e.g. `tag` of From), outside `<...>`; `''` for a
 * parameter without a value. One pass over the value: a peer controls it, and a backtracking regex
 * over `<<<<...` costs quadratic time (a 60 KB To header took seconds).
 */
export function headerParam(value: string, param: string): string | undefined {
  const outside = withoutAngleBrackets(value);
  const want = param.toLowerCase();
  const n = outside.length;
  for (let i = outside.indexOf(';'); i >= 0; i = outside.indexOf(';', i + 1)) {
    let j = i + 1;
    while (j < n && isSpace(outside.charCodeAt(j))) j++;
    if (outside.slice(j, j + want.length).toLowerCase() !== want) continue;
    j += want.length;
    // The name must end here: `;tagged=1` is not the `tag` parameter.
    if (j < n && !isSpace(outside.charCodeAt(j)) && !'=;,'.includes(outside[j]!)) continue;
    if (outside[j] !== '=') return '';
    j++;
    if (outside[j] === '"') {
      const close = outside.indexOf('"', j + 1);
      if (close >= 0) return outside.slice(j + 1, close);
    }
    let k = j;
    while (k < n && !isSpace(outside.charCodeAt(k)) && outside[k] !== ';' && outside[k] !== ',') k++;
    return outside.slice(j, k).replace(/^"|"$/g, '');
  }
  return undefined;
}

/** Whitespace as the former regex's `\s` saw it. */
const SPACE = /\s/;
function isSpace(c: number): boolean {
  return SPACE.test(String.fromCharCode(c));
}

/** The value with every `<...>` removed; an unclosed `<` stays as text. Linear: one scan. */
function withoutAngleBrackets(value: string): string {
  let out = '';
  let from = 0;
  for (let lt = value.indexOf('<'); lt >= 0; ) {
    const gt = value.indexOf('>', lt + 1);
    if (gt < 0) break; // no `>` anywhere after: every later `<` is unclosed too
    out += value.slice(from, lt);
    from = gt + 1;
    lt = value.indexOf('<', from);
  }
  return out + value.slice(from);
}

/** Serialises a message; Content-Length is always (re)written to match the body. */
export function encodeSip(m: SipMessage): Buffer {
  const start = m.kind === 'request' ? `${m.method} ${m.uri} SIP/2.0` : `SIP/2.0 ${m.status} ${m.reason}`;
  const lines = [start];
  for (const [n, v] of m.headers) if (canon(n) !== 'content-length') lines.push(`${n}: ${v}`);
  lines.push(`Content-Length: ${m.body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), m.body]);
}

function parseHead(head: string): Result<Omit<SipRequest, 'body'> | Omit<SipResponse, 'body'>, FormatError> {
  const rawLines = head.split('\r\n');
  const startLine = rawLines[0] ?? '';
  const headers: SipHeader[] = [];
  let offset = startLine.length + 2;
  for (let i = 1; i < rawLines.length; i++) {
    const line = rawLines[i]!;
    if (/^[ \t]/.test(line) && headers.length > 0) {
      // RFC 3261 §7.3.1 line folding.
      const last = headers[headers.length - 1]!;
      last[1] = `${last[1]} ${line.trim()}`;
    } else {
      const colon = line.indexOf(':');
      if (colon <= 0 || !/^[!-9;-~]+$/.test(line.slice(0, colon).trim())) {
        return err(
          formatError(
            FORMAT,
            offset,
            'bad-header',
            `not a header line: ${JSON.stringify(line.slice(0, 40))}`,
          ),
        );
      }
      headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    }
    offset += line.length + 2;
  }
  const resp = /^SIP\/2\.0 ([1-6][0-9]{2}) ?(.*)$/.exec(startLine);
  if (resp) return ok({ kind: 'response', status: Number(resp[1]), reason: resp[2] ?? '', headers });
  const req = /^([A-Za-z]+) (\S+) SIP\/2\.0$/.exec(startLine);
  if (req) return ok({ kind: 'request', method: req[1]!.toUpperCase(), uri: req[2]!, headers });
  return err(
    formatError(
      FORMAT,
      0,
      'bad-start-line',
      `not a SIP start line: ${JSON.stringify(startLine.slice(0, 60))}`,
    ),
  );
}

function contentLength(headers: SipHeader[], at: number): Result<number | undefined, FormatError> {
  const h = headers.find(([n]) => canon(n) === 'content-length');
  if (!h) return ok(undefined);
  if (!/^[0-9]{1,9}$/.test(h[1]))
    return err(formatError(FORMAT, at, 'bad-content-length', `Content-Length ${JSON.stringify(h[1])}`));
  const n = Number(h[1]);
  if (n > SIP_MAX_BODY_BYTES)
    return err(formatError(FORMAT, at, 'bad-content-length', `Content-Length ${n} too large`));
  return ok(n);
}

/** Decodes one whole message (a datagram, or a frame from `SipFramer`). */
export function decodeSip(buf: Buffer): Result<SipMessage, FormatError> {
  const end = buf.indexOf(BLANK_LINE);
  if (end < 0) return err(formatError(FORMAT, buf.length, 'truncated', 'no blank line after the headers'));
  if (end > SIP_MAX_HEADER_BYTES) {
    return err(
      formatError(FORMAT, 0, 'header-too-large', `header block of ${end} bytes > ${SIP_MAX_HEADER_BYTES}`),
    );
  }
  const head = parseHead(buf.toString('utf8', 0, end));
  if (!head.ok) return head;
  const cl = contentLength(head.value.headers, 0);
  if (!cl.ok) return cl;
  const bodyStart = end + 4;
  const len = cl.value ?? buf.length - bodyStart; // datagrams may omit it (RFC 3261 §18.3)
  if (buf.length - bodyStart < len) {
    return err(
      formatError(FORMAT, buf.length, 'truncated', `body has ${buf.length - bodyStart} of ${len} bytes`),
    );
  }
  if (buf.length - bodyStart > len)
    return err(formatError(FORMAT, bodyStart + len, 'trailing-bytes', 'bytes after the body'));
  return ok({ ...head.value, body: Buffer.from(buf.subarray(bodyStart, bodyStart + len)) } as SipMessage);
}

/**
 * Stream framer for SIP over TCP/TLS: splits on the blank line and Content-Length. Bare CRLFs between
 * messages (RFC 5626 keep-alive pings) are skipped. A message without Content-Length is an error on a
 * stream (RFC 3261 §18.3) and poisons the framer, as does a header block over `SIP_MAX_HEADER_BYTES`,
 * whether its end has arrived or not (so one 60 KB write is refused like sixty 1 KB ones).
 *
 * Like the binary framers (framer.ts), it gives the same results for the same bytes however they are
 * segmented (messages before garbage are delivered, then the error), and its work is linear: the
 * search for the blank line resumes where the previous chunk's search stopped.
 */
export class SipFramer {
  private readonly queue = new ByteQueue();
  private consumed = 0;
  /** Bytes of the current message's head already searched for the blank line. */
  private searched = 0;
  /** The current message's whole length, once its head has been read: the body is being waited for. */
  private pending: number | undefined;
  private poisoned: FormatError | undefined;

  push(chunk: Uint8Array): Result<SipMessage, FormatError>[] {
    if (this.poisoned) return [err(this.poisoned)];
    this.queue.append(chunk);
    const out: Result<SipMessage, FormatError>[] = [];
    for (;;) {
      let buf = this.queue.view();
      if (this.pending !== undefined) {
        if (buf.length < this.pending) return out;
        out.push(decodeSip(this.queue.take(this.pending)));
        this.consumed += this.pending;
        this.pending = undefined;
        this.searched = 0;
        continue;
      }
      if (this.searched === 0) {
        let skip = 0;
        while (skip + 1 < buf.length && buf[skip] === 0x0d && buf[skip + 1] === 0x0a) skip += 2;
        if (skip) {
          this.queue.skip(skip);
          this.consumed += skip;
          buf = this.queue.view();
        }
        // A lone CR may be the first half of a keep-alive CRLF: wait for the next byte.
        if (buf.length === 1 && buf[0] === 0x0d) return out;
      }
      // Resume 3 bytes back: the blank line may straddle the previous chunk's end.
      const end = buf.indexOf(BLANK_LINE, Math.max(0, this.searched - 3));
      if (end < 0) {
        this.searched = buf.length;
        // The head is at least `length - 3` bytes: over the limit already, whatever follows.
        if (buf.length - 3 > SIP_MAX_HEADER_BYTES) return this.poison(out, 0, 'header block too large');
        return out;
      }
      if (end > SIP_MAX_HEADER_BYTES) return this.poison(out, 0, 'header block too large');
      this.searched = end;
      const head = parseHead(buf.toString('utf8', 0, end));
      if (!head.ok) return this.poison(out, head.error.offset, head.error.message);
      const cl = contentLength(head.value.headers, 0);
      if (!cl.ok) return this.poison(out, 0, cl.error.message);
      if (cl.value === undefined) return this.poison(out, 0, 'no Content-Length on a stream transport');
      this.pending = end + 4 + cl.value;
    }
  }

  private poison(out: Result<SipMessage, FormatError>[], at: number, why: string) {
    this.poisoned = formatError(FORMAT, this.consumed + at, 'bad-stream', why);
    this.queue.clear();
    out.push(err(this.poisoned));
    return out;
  }
}

// ---------------- builders ----------------

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export interface CiscoPhoneIdentity {
  /** 12 hex digits, upper-case in the device name. */
  mac: string;
  /** e.g. `CP-8851`; User-Agent becomes `Cisco-CP8851/<firmware>`. */
  model: string;
  /** The model enum CUCM knows (`+u.sip!model.ccm.cisco.com`), e.g. 684. */
  modelEnum: number;
  /** e.g. `12.1.1`. */
  firmware: string;
  /** e.g. `sip88xx.12-1-1-12.loads`. */
  activeLoad: string;
  inactiveLoad: string;
}

export interface RegisterParams {
  phone: CiscoPhoneIdentity;
  phoneIp: string;
  phonePort: number;
  cucmHost: string;
  /** Directory number of the line. */
  dn: string;
  /** Per-line `<contact>` UUID from the config file (`<sipLines><line><contact>`). */
  lineContact: string;
  transport: 'TLS' | 'TCP';
  cseq: number;
  /** Keep across refreshes: same Call-ID and From tag for one registration (RFC 3261 §10.2.4). */
  callId?: string;
  fromTag?: string;
  branch?: string;
  /** First REGISTER after boot: adds the cisco-alarm Reason and the multipart body (docs/reference/sccp-sip.md §2). */
  first?: boolean;
  /** `Last=` reason in the cisco-alarm, e.g. `reset-restart`, `initialized`. */
  lastReason?: string;
  expires?: number;
  date?: Date;
}

export function deviceNameOf(mac: string): string {
  return `SEP${mac.replace(/[^0-9a-fA-F]/g, '').toUpperCase()}`;
}

/** Call-ID in the Cisco phone shape: `<mac[0:8]>-<mac[8:12]><4hex>-<8hex>-<8hex>@<phone-ip>` (docs/reference/sccp-sip.md §2). */
export function ciscoCallId(mac: string, phoneIp: string): string {
  const m = mac.toLowerCase();
  return `${m.slice(0, 8)}-${m.slice(8, 12)}${hex(2)}-${hex(4)}-${hex(4)}@${phoneIp}`;
}

/** From tag in the Cisco phone shape: `<mac12hex><4hex>-<8hex>` (docs/reference/sccp-sip.md §2). */
export function ciscoFromTag(mac: string): string {
  return `${mac.toLowerCase()}${hex(2)}-${hex(4)}`;
}

const MULTIPART_BOUNDARY = 'uniqueBoundary';

/** The first-REGISTER multipart body (docs/reference/sccp-sip.md §2): bulk register and options indication. */
export function registerMultipartBody(): Buffer {
  const parts = [
    '--uniqueBoundary',
    'Content-Type: application/x-cisco-remotecc-request+xml',
    'Content-Disposition: session;handling=optional',
    '',
    '<x-cisco-remotecc-request><bulkregisterreq><contact all="true"><register></register></contact></bulkregisterreq></x-cisco-remotecc-request>',
    '',
    '--uniqueBoundary',
    'Content-Type: application/x-cisco-remotecc-request+xml',
    'Content-Disposition: session;handling=optional',
    '',
    '<x-cisco-remotecc-request><optionsind><combine max="6"><remotecc><status></status></remotecc><service-control></service-control></combine><dialog usage="hook status"><unot></unot><sub></sub></dialog><dialog usage="shared line"><unot></unot><sub></sub></dialog><presence usage="blf speed dial"><unot></unot><sub></sub></presence><joinreq></joinreq><hold-reversion></hold-reversion><x-cisco-number></x-cisco-number><bfcp></bfcp><ix></ix><gatewayrecording></gatewayrecording><conferencing></conferencing></optionsind></x-cisco-remotecc-request>',
    '',
    '--uniqueBoundary--',
    '',
  ];
  return Buffer.from(parts.join('\r\n'), 'utf8');
}

const CISCO_SUPPORTED =
  'replaces,join,sdp-anat,norefersub,resource-priority,extended-refer,X-cisco-callinfo,X-cisco-serviceuri,X-cisco-escapecodes,X-cisco-service-control,X-cisco-srtp-fallback,X-cisco-monrec,X-cisco-config,X-cisco-sis-7.0.0,X-cisco-xsi-8.5.1';

/** The Cisco hardware phone REGISTER of docs/reference/sccp-sip.md §2 (TAC-214535, TAC-215572 shapes). */
export function buildRegister(p: RegisterParams): SipRequest {
  const devName = deviceNameOf(p.phone.mac);
  const mac = p.phone.mac.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
  const transport = p.transport.toLowerCase();
  const uaModel = p.phone.model.replace(/-/g, ''); // CP-8851 → CP8851
  const headers: SipHeader[] = [
    ['Via', `SIP/2.0/${p.transport} ${p.phoneIp}:${p.phonePort};branch=${p.branch ?? `z9hG4bK${hex(4)}`}`],
    ['From', `<sip:${p.dn}@${p.cucmHost}>;tag=${p.fromTag ?? ciscoFromTag(mac)}`],
    ['To', `<sip:${p.dn}@${p.cucmHost}>`],
    ['Call-ID', p.callId ?? ciscoCallId(mac, p.phoneIp)],
    ['Max-Forwards', '70'],
    ['Session-ID', `${hex(16)};remote=00000000000000000000000000000000`],
    ['Date', (p.date ?? new Date()).toUTCString()],
    ['CSeq', `${p.cseq} REGISTER`],
    ['User-Agent', `Cisco-${uaModel}/${p.phone.firmware}`],
    [
      'Contact',
      `<sip:${p.lineContact}@${p.phoneIp}:${p.phonePort};transport=${transport}>;+sip.instance="<urn:uuid:00000000-0000-0000-0000-${mac}>";+u.sip!devicename.ccm.cisco.com="${devName}";+u.sip!model.ccm.cisco.com="${p.phone.modelEnum}"`,
    ],
    ['Supported', CISCO_SUPPORTED],
  ];
  if (p.first) {
    headers.push([
      'Reason',
      `SIP;cause=200;text="cisco-alarm:23 Name=${devName} ActiveLoad=${p.phone.activeLoad} InactiveLoad=${p.phone.inactiveLoad} Last=${p.lastReason ?? 'initialized'}"`,
    ]);
  }
  headers.push(['Expires', String(p.expires ?? 3600)]);
  if (p.first) {
    headers.push(
      ['Content-Type', `multipart/mixed; boundary=${MULTIPART_BOUNDARY}`],
      ['Mime-Version', '1.0'],
    );
  }
  return {
    kind: 'request',
    method: 'REGISTER',
    uri: `sip:${p.cucmHost}`,
    headers,
    body: p.first ? registerMultipartBody() : Buffer.alloc(0),
  };
}

/** Copies Via, From, To (with a tag added if `toTag`), Call-ID and CSeq from a request (RFC 3261 §8.2.6.2). */
export function buildResponse(
  req: SipRequest,
  status: number,
  reason: string,
  extra: SipHeader[] = [],
  opts: { toTag?: string; body?: Buffer } = {},
): SipResponse {
  const headers: SipHeader[] = [];
  for (const [n, v] of req.headers) if (canon(n) === 'via') headers.push(['Via', v]);
  const from = header(req, 'from');
  const to = header(req, 'to');
  if (from !== undefined) headers.push(['From', from]);
  if (to !== undefined) {
    const needTag = opts.toTag !== undefined && headerParam(to, 'tag') === undefined;
    headers.push(['To', needTag ? `${to};tag=${opts.toTag}` : to]);
  }
  const callId = header(req, 'call-id');
  const cseq = header(req, 'cseq');
  if (callId !== undefined) headers.push(['Call-ID', callId]);
  if (cseq !== undefined) headers.push(['CSeq', cseq]);
  headers.push(...extra);
  return { kind: 'response', status, reason, headers, body: opts.body ?? Buffer.alloc(0) };
}

export interface CucmResponseOptions {
  /** `Server:` value, e.g. `Cisco-CUCM14.0`. */
  server?: string;
  toTag?: string;
  date?: Date;
}

/**
 * CUCM's 200 OK to a REGISTER (docs/reference/sccp-sip.md §2): `Expires: 120` (SIP Station KeepAlive, whatever the phone asked),
 * the Contact echoed with `;x-cisco-newreg` on a new registration, Cisco's Supported list.
 */
export function buildRegisterOk(
  req: SipRequest,
  o: CucmResponseOptions & { expires?: number; newRegistration?: boolean } = {},
): SipResponse {
  const contact = header(req, 'contact');
  const extra: SipHeader[] = [
    ['Date', (o.date ?? new Date()).toUTCString()],
    ['Server', o.server ?? 'Cisco-CUCM14.0'],
  ];
  if (contact !== undefined) {
    extra.push(['Contact', `${contact}${o.newRegistration === false ? '' : ';x-cisco-newreg'}`]);
  }
  extra.push(['Expires', String(o.expires ?? 120)], ['Supported', 'X-cisco-srtp-fallback,X-cisco-sis-9.1.0']);
  return buildResponse(req, 200, 'OK', extra, { toTag: o.toTag ?? hex(4) });
}

/** 401 with a Digest challenge (RFC 3261 §22.2). */
export function buildUnauthorized(
  req: SipRequest,
  realm: string,
  nonce = hex(16),
  o: CucmResponseOptions = {},
): SipResponse {
  return buildResponse(
    req,
    401,
    'Unauthorized',
    [
      ['Server', o.server ?? 'Cisco-CUCM14.0'],
      ['WWW-Authenticate', `Digest realm="${realm}", nonce="${nonce}", algorithm=MD5`],
    ],
    { toTag: o.toTag ?? hex(4) },
  );
}

/** 403, e.g. with `Warning: 399 <node> "SIP OAuth Registration port Mismatch"` and Retry-After (TAC-215572). */
export function buildForbidden(
  req: SipRequest,
  o: CucmResponseOptions & { warning?: { agent: string; text: string }; retryAfter?: number } = {},
): SipResponse {
  const extra: SipHeader[] = [['Server', o.server ?? 'Cisco-CUCM14.0']];
  if (o.warning) extra.push(['Warning', `399 ${o.warning.agent} "${o.warning.text}"`]);
  if (o.retryAfter !== undefined) extra.push(['Retry-After', String(o.retryAfter)]);
  return buildResponse(req, 403, 'Forbidden', extra, { toTag: o.toTag ?? hex(4) });
}

export function buildNotAcceptableHere(
  req: SipRequest,
  o: CucmResponseOptions & { warning?: string } = {},
): SipResponse {
  const extra: SipHeader[] = [['Server', o.server ?? 'Cisco-CUCM14.0']];
  if (o.warning) extra.push(['Warning', `399 ${req.uri.replace(/^sips?:/, '')} "${o.warning}"`]);
  return buildResponse(req, 488, 'Not Acceptable Here', extra, { toTag: o.toTag ?? hex(4) });
}

export interface TrunkRequestParams {
  localHost: string;
  localPort: number;
  remoteHost: string;
  remotePort?: number;
  transport: 'TLS' | 'TCP';
  /** e.g. `Cisco-SIPGateway/IOS-17.x` or an application server's name. */
  userAgent: string;
  fromUser?: string;
  toUser?: string;
  cseq?: number;
  callId?: string;
}

function trunkRequest(method: string, p: TrunkRequestParams, body: Buffer, contentType?: string): SipRequest {
  const scheme = 'sip';
  const port = p.remotePort ?? (p.transport === 'TLS' ? SIP_TLS_PORT : SIP_TCP_PORT);
  const uri = `${scheme}:${p.toUser ? `${p.toUser}@` : ''}${p.remoteHost}:${port}`;
  const headers: SipHeader[] = [
    ['Via', `SIP/2.0/${p.transport} ${p.localHost}:${p.localPort};branch=z9hG4bK${hex(4)}`],
    ['From', `<sip:${p.fromUser ? `${p.fromUser}@` : ''}${p.localHost}>;tag=${hex(4)}`],
    ['To', `<${uri}>`],
    ['Call-ID', p.callId ?? `${randomUUID()}@${p.localHost}`],
    ['CSeq', `${p.cseq ?? 101} ${method}`],
    ['Max-Forwards', '70'],
    [
      'Contact',
      `<sip:${p.fromUser ? `${p.fromUser}@` : ''}${p.localHost}:${p.localPort};transport=${p.transport.toLowerCase()}>`,
    ],
    ['User-Agent', p.userAgent],
  ];
  if (method === 'OPTIONS') headers.push(['Accept', 'application/sdp']);
  if (contentType) headers.push(['Content-Type', contentType]);
  return { kind: 'request', method, uri, headers, body };
}

/** OPTIONS ping, as a SIP trunk peer or application server sends to CUCM to check the trunk is up. */
export function buildOptions(p: TrunkRequestParams): SipRequest {
  return trunkRequest('OPTIONS', p, Buffer.alloc(0));
}

/** A minimal INVITE with an SDP offer (one audio line, PCMU). */
export function buildInvite(p: TrunkRequestParams & { rtpPort?: number }): SipRequest {
  const sdp = [
    'v=0',
    `o=uclab 1 1 IN IP4 ${p.localHost}`,
    's=SIP Call',
    `c=IN IP4 ${p.localHost}`,
    't=0 0',
    `m=audio ${p.rtpPort ?? 16384} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    '',
  ].join('\r\n');
  return trunkRequest('INVITE', p, Buffer.from(sdp), 'application/sdp');
}
