/**
 * TVS (Trust Verification Service, TCP 2445 over TLS) messages: docs/reference/tvs.md §3.
 *
 * Header, 10 bytes big-endian: protocolId 0x57 | version 0x01 | command | reserved | sessionId u32 |
 * length u16, then TLVs (tag u8, length u16 BE). Byte-confirmed by the Cisco hex dumps in TAC-213407 and
 * TAC-118699: request `57 01 03 00 00 00 03 e9 00 8f` (QUERY, session 1001, 143 bytes of TLVs; 153 in
 * all, matching the phone log "bytes written : 153"), response `57 01 04 f7 00 00 03 e9 05 be`.
 * The reserved byte is junk in Cisco's response (0xf7), so the decoder keeps it but never checks it.
 */
import { err, type FormatError, formatError, ok, type Result } from '../../emulator/result.ts';
import { decodeTlvs, encodeTlvs, type FrameSpec, MessageFramer, type Tlv } from './framer.ts';

const FORMAT = 'tvs';
export const TVS_PROTOCOL_ID = 0x57;
export const TVS_VERSION = 0x01;
export const TVS_HEADER_LENGTH = 10;
export const TVS_PORT = 2445;

/** docs/reference/tvs.md §3: Cisco log names (TVS_MSG_*) with `tvsd`'s names in comments. */
export const TvsCommand = {
  CERT_VERIFICATION_REQ: 1, // tvsd VERIFY_REQUEST
  CERT_VERIFICATION_RES: 2, // tvsd VERIFY_RESPONSE
  QUERY_CERT_REQ: 3, // tvsd QUERY_REQUEST
  QUERY_CERT_RES: 4, // tvsd QUERY_RESPONSE
} as const;
export type TvsCommandName = keyof typeof TvsCommand;

export const TVS_COMMAND_NAMES: Record<number, string> = {
  1: 'TVS_MSG_CERT_VERIFICATION_REQ',
  2: 'TVS_MSG_CERT_VERIFICATION_RES',
  3: 'TVS_MSG_QUERY_CERT_REQ',
  4: 'TVS_MSG_QUERY_CERT_RES',
};

/** docs/reference/tvs.md §3 element tags. 4 and 5 are inferred from the dump lengths (M, docs/reference/README.md §4). */
export const TvsTag = {
  DEVICE_NAME: 1,
  CERTIFICATE: 2,
  SUBJECT: 3,
  ISSUER: 4,
  SERIAL: 5,
  STATUS: 7,
  ROLES: 8,
  TTL: 9,
} as const;

/** Status element: 0 valid, 1 invalid (phone log `Authentication Response received, status : 0`). */
export const TvsStatus = { VALID: 0, INVALID: 1 } as const;

/** CUCM sends 86400 s: phone log "TVS added cert to TVS cache - expires in 24 hours" (docs/reference/tvs.md §3). */
export const TVS_DEFAULT_TTL = 86400;

interface Base {
  sessionId: number;
  /** Header byte 3. Junk in Cisco's responses; 0 when we send. */
  reserved?: number;
}
export interface CertVerificationRequest extends Base {
  type: 'CERT_VERIFICATION_REQ';
  /** The phone's LSC CN, e.g. `CP-8861-SEPB000B4BA0AEE`. */
  deviceName: string;
  certificate: Buffer;
}
export interface CertVerificationResponse extends Base {
  type: 'CERT_VERIFICATION_RES';
  status: number;
  roles: number[];
  ttl: number;
}
export interface QueryCertRequest extends Base {
  type: 'QUERY_CERT_REQ';
  deviceName: string;
  /** `;`-separated DN as Cisco writes it, e.g. `CN=ucm11pub;OU=IST;...`. Sent NUL-terminated. */
  subject: string;
  issuer: string;
  serial: Buffer;
}
export interface QueryCertResponse extends Base {
  type: 'QUERY_CERT_RES';
  status: number;
  /** Absent when the status is invalid. */
  certificate?: Buffer;
  roles: number[];
  ttl: number;
}
export type TvsMessage =
  | CertVerificationRequest
  | CertVerificationResponse
  | QueryCertRequest
  | QueryCertResponse;

/** Tag 1: a 0x01 type byte and the ASCII name, no NUL (docs/reference/tvs.md §3). */
function deviceNameTlv(name: string): Tlv {
  return { tag: TvsTag.DEVICE_NAME, value: Buffer.concat([Buffer.from([0x01]), Buffer.from(name, 'ascii')]) };
}
function cstr(tag: number, s: string): Tlv {
  return { tag, value: Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]) };
}
function u8(tag: number, v: number): Tlv {
  return { tag, value: Buffer.from([v]) };
}
function u32(tag: number, v: number): Tlv {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0, 0);
  return { tag, value: b };
}

export function tvsTlvs(m: TvsMessage): Tlv[] {
  switch (m.type) {
    case 'CERT_VERIFICATION_REQ':
      return [deviceNameTlv(m.deviceName), { tag: TvsTag.CERTIFICATE, value: m.certificate }];
    case 'QUERY_CERT_REQ':
      return [
        deviceNameTlv(m.deviceName),
        cstr(TvsTag.SUBJECT, m.subject),
        cstr(TvsTag.ISSUER, m.issuer),
        { tag: TvsTag.SERIAL, value: m.serial },
      ];
    case 'CERT_VERIFICATION_RES':
      return [
        u8(TvsTag.STATUS, m.status),
        { tag: TvsTag.ROLES, value: Buffer.from(m.roles) },
        u32(TvsTag.TTL, m.ttl),
      ];
    case 'QUERY_CERT_RES':
      return [
        u8(TvsTag.STATUS, m.status),
        ...(m.certificate ? [{ tag: TvsTag.CERTIFICATE, value: m.certificate }] : []),
        { tag: TvsTag.ROLES, value: Buffer.from(m.roles) },
        u32(TvsTag.TTL, m.ttl),
      ];
  }
}

/** One Buffer, header and body together (one write on the socket). */
export function encodeTvs(m: TvsMessage): Buffer {
  const body = encodeTlvs(tvsTlvs(m));
  if (body.length > 0xffff) throw new RangeError(`TVS body too long (${body.length})`);
  const h = Buffer.alloc(TVS_HEADER_LENGTH);
  h.writeUInt8(TVS_PROTOCOL_ID, 0);
  h.writeUInt8(TVS_VERSION, 1);
  h.writeUInt8(TvsCommand[m.type], 2);
  h.writeUInt8(m.reserved ?? 0, 3);
  h.writeUInt32BE(m.sessionId >>> 0, 4);
  h.writeUInt16BE(body.length, 8);
  return Buffer.concat([h, body]);
}

export interface TvsHeader {
  command: number;
  reserved: number;
  sessionId: number;
  length: number;
}

export function decodeTvsHeader(buf: Buffer): Result<TvsHeader, FormatError> {
  if (buf.length < TVS_HEADER_LENGTH) {
    return err(
      formatError(
        FORMAT,
        buf.length,
        'truncated',
        `header needs ${TVS_HEADER_LENGTH} bytes, got ${buf.length}`,
      ),
    );
  }
  if (buf[0] !== TVS_PROTOCOL_ID) {
    return err(
      formatError(FORMAT, 0, 'bad-protocol-id', `protocol id 0x${buf[0]!.toString(16)} is not 0x57`),
    );
  }
  if (buf[1] !== TVS_VERSION) return err(formatError(FORMAT, 1, 'bad-version', `version ${buf[1]} is not 1`));
  return ok({
    command: buf[2]!,
    reserved: buf[3]!,
    sessionId: buf.readUInt32BE(4),
    length: buf.readUInt16BE(8),
  });
}

export function decodeTvs(buf: Buffer): Result<TvsMessage, FormatError> {
  const h = decodeTvsHeader(buf);
  if (!h.ok) return h;
  const { command, reserved, sessionId, length } = h.value;
  if (buf.length < TVS_HEADER_LENGTH + length) {
    return err(
      formatError(
        FORMAT,
        buf.length,
        'truncated',
        `length says ${length} body bytes, ${buf.length - 10} present`,
      ),
    );
  }
  if (buf.length > TVS_HEADER_LENGTH + length) {
    return err(formatError(FORMAT, TVS_HEADER_LENGTH + length, 'trailing-bytes', 'bytes after the message'));
  }
  const tlvs = decodeTlvs(FORMAT, buf.subarray(TVS_HEADER_LENGTH), TVS_HEADER_LENGTH);
  if (!tlvs.ok) return tlvs;
  // Remember each element's offset so a bad value is reported where it sits.
  const at = new Map<number, { value: Buffer; offset: number }>();
  let o = TVS_HEADER_LENGTH;
  for (const t of tlvs.value) {
    if (!at.has(t.tag)) at.set(t.tag, { value: t.value, offset: o + 3 });
    o += 3 + t.value.length;
  }
  const need = (tag: number, name: string): Result<{ value: Buffer; offset: number }, FormatError> => {
    const e = at.get(tag);
    return e
      ? ok(e)
      : err(formatError(FORMAT, TVS_HEADER_LENGTH, 'missing-element', `${name} (tag ${tag}) missing`));
  };
  const deviceName = (): Result<string, FormatError> => {
    const e = need(TvsTag.DEVICE_NAME, 'device name');
    if (!e.ok) return e;
    if (e.value.value[0] !== 0x01) {
      return err(
        formatError(FORMAT, e.value.offset, 'bad-element', 'device name must start with type byte 0x01'),
      );
    }
    return ok(e.value.value.toString('ascii', 1));
  };
  const cstring = (tag: number, name: string): Result<string, FormatError> => {
    const e = need(tag, name);
    if (!e.ok) return e;
    const v = e.value.value;
    if (v.length === 0 || v[v.length - 1] !== 0) {
      return err(
        formatError(FORMAT, e.value.offset + v.length, 'missing-nul', `${name} is not NUL-terminated`),
      );
    }
    return ok(v.toString('utf8', 0, v.length - 1));
  };
  const fixed = (tag: number, name: string, size: number): Result<Buffer, FormatError> => {
    const e = need(tag, name);
    if (!e.ok) return e;
    if (e.value.value.length !== size) {
      return err(formatError(FORMAT, e.value.offset, 'bad-element', `${name} must be ${size} bytes`));
    }
    return ok(e.value.value);
  };
  const base = { sessionId, reserved };
  switch (command) {
    case TvsCommand.CERT_VERIFICATION_REQ: {
      const dn = deviceName();
      if (!dn.ok) return dn;
      const cert = need(TvsTag.CERTIFICATE, 'certificate');
      if (!cert.ok) return cert;
      return ok({
        type: 'CERT_VERIFICATION_REQ',
        ...base,
        deviceName: dn.value,
        certificate: cert.value.value,
      });
    }
    case TvsCommand.QUERY_CERT_REQ: {
      const dn = deviceName();
      if (!dn.ok) return dn;
      const subject = cstring(TvsTag.SUBJECT, 'subject');
      if (!subject.ok) return subject;
      const issuer = cstring(TvsTag.ISSUER, 'issuer');
      if (!issuer.ok) return issuer;
      const serial = need(TvsTag.SERIAL, 'serial');
      if (!serial.ok) return serial;
      return ok({
        type: 'QUERY_CERT_REQ',
        ...base,
        deviceName: dn.value,
        subject: subject.value,
        issuer: issuer.value,
        serial: serial.value.value,
      });
    }
    case TvsCommand.CERT_VERIFICATION_RES:
    case TvsCommand.QUERY_CERT_RES: {
      const status = fixed(TvsTag.STATUS, 'status', 1);
      if (!status.ok) return status;
      const roles = at.get(TvsTag.ROLES)?.value ?? Buffer.alloc(0);
      const ttl = at.has(TvsTag.TTL) ? fixed(TvsTag.TTL, 'TTL', 4) : ok(Buffer.from([0, 0, 0, 0]));
      if (!ttl.ok) return ttl;
      const common = { ...base, status: status.value[0]!, roles: [...roles], ttl: ttl.value.readUInt32BE(0) };
      if (command === TvsCommand.CERT_VERIFICATION_RES)
        return ok({ type: 'CERT_VERIFICATION_RES', ...common });
      const cert = at.get(TvsTag.CERTIFICATE)?.value;
      return ok({ type: 'QUERY_CERT_RES', ...common, ...(cert ? { certificate: cert } : {}) });
    }
    default:
      return err(formatError(FORMAT, 2, 'unknown-command', `unknown TVS command ${command}`));
  }
}

export const TVS_FRAME: FrameSpec = {
  format: FORMAT,
  headerLength: TVS_HEADER_LENGTH,
  frameLength: (h) => {
    const d = decodeTvsHeader(h);
    return d.ok ? ok(TVS_HEADER_LENGTH + d.value.length) : d;
  },
};

/** Accumulates TCP/TLS chunks and yields decoded TVS messages (one Result per message). */
export function tvsFramer(): MessageFramer<TvsMessage> {
  return new MessageFramer(TVS_FRAME, decodeTvs);
}
