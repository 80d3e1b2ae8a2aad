/**
 * CAPF (Certificate Authority Proxy Function, TCP 3804 over TLS) messages: docs/reference/capf.md §1.
 *
 * Header, 8 bytes big-endian (docs/reference/capf.md §3): protocolId 0x55 | command | sessionId u32 | length u16, then TLVs
 * (tag u8, length u16 BE). No version in the header: VERSION travels as element 7. The server picks the
 * session id in its first message and the phone echoes it.
 *
 * `encodeCapf` returns one Buffer: send it with one `write`. Splitting header and body "causes the
 * phone's CAPF client to stall" (docs/reference/capf.md §6 step 7, `capfd` comment).
 */
import { err, type FormatError, formatError, ok, type Result } from '../../emulator/result.ts';
import type { CapfSha2Signature } from './capf-signed-data.ts';
import { decodeTlvs, encodeTlvs, type FrameSpec, MessageFramer, type Tlv } from './framer.ts';

const FORMAT = 'capf';
export const CAPF_PROTOCOL_ID = 0x55;
export const CAPF_HEADER_LENGTH = 8;
export const CAPF_PORT = 3804;
/** docs/reference/capf.md §5 element 7: the version both sides send. */
export const CAPF_VERSION = 3;

/** docs/reference/capf.md §4 command numbers with `capfd`'s names. */
export const CapfCommand = {
  AUTH_REQUEST: 1,
  AUTH_RESPONSE: 2,
  KEY_GENERATE_REQUEST: 3,
  KEY_GENERATE_RESPONSE: 4,
  ENCRYPT_RESPONSE: 5,
  ENCRYPT_REQUEST: 6,
  DECRYPT_REQUEST: 7,
  DECRYPT_RESPONSE: 8,
  STORE_CERTIFICATE_REQUEST: 9,
  STORE_CERTIFICATE_RESPONSE: 10,
  FETCH_CERTIFICATE_REQUEST: 11,
  FETCH_CERTIFICATE_RESPONSE: 12,
  DELETE_CERTIFICATE_REQUEST: 13,
  DELETE_CERTIFICATE_RESPONSE: 14,
  END_SESSION: 15,
  RETRY_LATER: 16,
  REQUEST_IN_PROGRESS: 17,
  STATUS_REQUEST: 18,
  STATUS_RESPONSE: 19,
  ABORT_REQUEST: 20,
  ABORT_RESPONSE: 21,
  SIGN_CERTIFICATE_REQUEST: 22, // external-CA modes, L (docs/reference/capf.md §4)
  SIGN_CERTIFICATE_RESPONSE: 23,
} as const;
export type CapfCommandName = keyof typeof CapfCommand;

const COMMAND_BY_NUMBER = new Map<number, CapfCommandName>(
  Object.entries(CapfCommand).map(([k, v]) => [v, k as CapfCommandName]),
);

/**
 * The names Cisco's CAPF traces print (`MsgType : CAPF_MSG_AUTH_REQ`, seed 002). Seed 002 shows
 * AUTH_REQ, REQ_IN_PROGRESS and KEY_GEN_RES; the others follow the same pattern (approximation, docs/reference/README.md §4).
 */
export const CAPF_TRACE_NAMES: Record<CapfCommandName, string> = {
  AUTH_REQUEST: 'CAPF_MSG_AUTH_REQ',
  AUTH_RESPONSE: 'CAPF_MSG_AUTH_RES',
  KEY_GENERATE_REQUEST: 'CAPF_MSG_KEY_GEN_REQ',
  KEY_GENERATE_RESPONSE: 'CAPF_MSG_KEY_GEN_RES',
  ENCRYPT_RESPONSE: 'CAPF_MSG_ENCRYPT_RES',
  ENCRYPT_REQUEST: 'CAPF_MSG_ENCRYPT_REQ',
  DECRYPT_REQUEST: 'CAPF_MSG_DECRYPT_REQ',
  DECRYPT_RESPONSE: 'CAPF_MSG_DECRYPT_RES',
  STORE_CERTIFICATE_REQUEST: 'CAPF_MSG_STORE_CERT_REQ',
  STORE_CERTIFICATE_RESPONSE: 'CAPF_MSG_STORE_CERT_RES',
  FETCH_CERTIFICATE_REQUEST: 'CAPF_MSG_FETCH_CERT_REQ',
  FETCH_CERTIFICATE_RESPONSE: 'CAPF_MSG_FETCH_CERT_RES',
  DELETE_CERTIFICATE_REQUEST: 'CAPF_MSG_DELETE_CERT_REQ',
  DELETE_CERTIFICATE_RESPONSE: 'CAPF_MSG_DELETE_CERT_RES',
  END_SESSION: 'CAPF_MSG_END_SESSION',
  RETRY_LATER: 'CAPF_MSG_RETRY_LATER',
  REQUEST_IN_PROGRESS: 'CAPF_MSG_REQ_IN_PROGRESS',
  STATUS_REQUEST: 'CAPF_MSG_STATUS_REQ',
  STATUS_RESPONSE: 'CAPF_MSG_STATUS_RES',
  ABORT_REQUEST: 'CAPF_MSG_ABORT_REQ',
  ABORT_RESPONSE: 'CAPF_MSG_ABORT_RES',
  SIGN_CERTIFICATE_REQUEST: 'CAPF_MSG_SIGN_CERT_REQ',
  SIGN_CERTIFICATE_RESPONSE: 'CAPF_MSG_SIGN_CERT_RES',
};

/** docs/reference/capf.md §5 element tags. */
export const CapfTag = {
  REASON: 1,
  REASON_INFO: 2,
  CERTIFICATE_TYPE: 3,
  CERTIFICATE: 4,
  CERTIFICATE_ID: 5,
  SIGNED_DATA: 6,
  VERSION: 7,
  AUTH_TYPE: 8,
  PUBLIC_KEY: 9,
  KEY_SIZE: 10,
  PASSWORD: 11,
  RETRY_DELAY: 12,
  DEVICE_NAME: 13,
  SUDI_DATA: 16,
  KEY_TYPE: 17,
  CURVE: 18,
  DIGEST_TYPE: 19,
  SHA2_SIGNED_DATA: 20,
} as const;

/** docs/reference/capf.md §5 REASON: 0 no action, 1 update certificate (= success), 7 invalid element, 9 unknown device. */
export const CapfReason = {
  NO_ACTION: 0,
  UPDATE_CERTIFICATE: 1,
  INVALID_ELEMENT: 7,
  UNKNOWN_DEVICE: 9,
} as const;
/** docs/reference/capf.md §5 CERTIFICATE_TYPE. */
export const CapfCertType = { LSC: 1, MIC: 2 } as const;
/** docs/reference/capf.md §5 AUTH_TYPE. */
export const CapfAuthType = { NONE: 0, PASSWORD: 1, NULL_STRING: 2, LSC: 3, MIC: 4 } as const;
/** docs/reference/capf.md §5 KEY_TYPE. */
export const CapfKeyType = { RSA: 0, EC: 1 } as const;
/** docs/reference/capf.md §5 CURVE. */
export const CapfCurve = { SECP256R1: 0, SECP384R1: 1, SECP521R1: 2 } as const;
export const CAPF_CURVE_NAMES: Record<number, string> = { 0: 'prime256v1', 1: 'secp384r1', 2: 'secp521r1' };
/** docs/reference/capf.md §6 step 4: RSA sizes `capfc` accepts. */
export const CAPF_RSA_KEY_SIZES = [512, 1024, 2048, 3072, 4096] as const;

/** A certificate element: which kind it is and its DER. */
export interface CapfCertificate {
  certType: number;
  der: Buffer;
}

/** Every element a CAPF message may carry; which are required depends on the command. */
export interface CapfElements {
  reason?: number;
  reasonInfo?: string;
  certificateType?: number;
  certificate?: CapfCertificate;
  certificateId?: Buffer;
  signedData?: Buffer;
  version?: number;
  authType?: number;
  /** DER SubjectPublicKeyInfo. */
  publicKey?: Buffer;
  keySize?: number;
  /** The authentication string; `''` in null-string mode (still sent, as a lone NUL). */
  password?: string;
  retryDelay?: Buffer;
  deviceName?: string;
  sudiData?: Buffer;
  keyType?: number;
  curve?: number;
  digestType?: Buffer;
  sha2SignedData?: CapfSha2Signature;
  /** Elements with tags this codec does not know, kept verbatim. */
  unknown?: Tlv[];
}

export interface CapfMessage<C extends CapfCommandName = CapfCommandName> {
  command: C;
  sessionId: number;
  elements: CapfElements;
}

/** Required elements per command (docs/reference/capf.md §6), checked on decode. Commands not listed require nothing. */
const REQUIRED: Partial<Record<CapfCommandName, (keyof CapfElements)[]>> = {
  AUTH_REQUEST: ['version'],
  AUTH_RESPONSE: ['version', 'deviceName'],
  KEY_GENERATE_REQUEST: ['keyType'],
  STORE_CERTIFICATE_REQUEST: ['certificate'],
  STORE_CERTIFICATE_RESPONSE: ['reason'],
  FETCH_CERTIFICATE_RESPONSE: ['reason'],
  DELETE_CERTIFICATE_RESPONSE: ['reason'],
  END_SESSION: ['reason'],
};

/** Typed views of the main flow's messages (docs/reference/capf.md §6). */
type With<C extends CapfCommandName, K extends keyof CapfElements> = CapfMessage<C> & {
  elements: Required<Pick<CapfElements, K>>;
};
export type AuthRequest = With<'AUTH_REQUEST', 'version' | 'authType'>;
export type AuthResponse = With<'AUTH_RESPONSE', 'version' | 'deviceName'>;
export type KeyGenerateRequest = With<'KEY_GENERATE_REQUEST', 'keyType'>;
export type KeyGenerateResponse = CapfMessage<'KEY_GENERATE_RESPONSE'>;
export type StoreCertificateRequest = With<'STORE_CERTIFICATE_REQUEST', 'certificate'>;
export type StoreCertificateResponse = With<'STORE_CERTIFICATE_RESPONSE', 'reason'>;
export type EndSession = With<'END_SESSION', 'reason'>;
export type RequestInProgress = CapfMessage<'REQUEST_IN_PROGRESS'>;

/** Narrows a decoded message by command. */
export function isCapf<C extends CapfCommandName>(m: CapfMessage, command: C): m is CapfMessage<C> {
  return m.command === command;
}

// ---------- builders (docs/reference/capf.md §6 flow) ----------

export function authRequest(sessionId: number, authType: number = CapfAuthType.NONE): AuthRequest {
  return { command: 'AUTH_REQUEST', sessionId, elements: { version: CAPF_VERSION, authType } };
}

export function authResponse(
  sessionId: number,
  e: { deviceName: string; password?: string } & Pick<
    CapfElements,
    'certificate' | 'signedData' | 'sha2SignedData' | 'sudiData'
  >,
): AuthResponse {
  return {
    command: 'AUTH_RESPONSE',
    sessionId,
    elements: {
      reason: CapfReason.UPDATE_CERTIFICATE,
      version: CAPF_VERSION,
      deviceName: e.deviceName,
      password: e.password ?? '',
      ...(e.certificate ? { certificate: e.certificate } : {}),
      ...(e.signedData ? { signedData: e.signedData } : {}),
      ...(e.sha2SignedData ? { sha2SignedData: e.sha2SignedData } : {}),
      ...(e.sudiData ? { sudiData: e.sudiData } : {}),
    },
  };
}

export function keyGenerateRequest(
  sessionId: number,
  key: { keyType: 'RSA'; keySize: number } | { keyType: 'EC'; curve: number },
): KeyGenerateRequest {
  return {
    command: 'KEY_GENERATE_REQUEST',
    sessionId,
    elements:
      key.keyType === 'RSA'
        ? { keyType: CapfKeyType.RSA, keySize: key.keySize }
        : { keyType: CapfKeyType.EC, curve: key.curve },
  };
}

export function keyGenerateResponse(sessionId: number, publicKeyDer: Buffer): KeyGenerateResponse {
  return { command: 'KEY_GENERATE_RESPONSE', sessionId, elements: { publicKey: publicKeyDer } };
}

export function requestInProgress(sessionId: number): RequestInProgress {
  return { command: 'REQUEST_IN_PROGRESS', sessionId, elements: {} };
}

export function storeCertificateRequest(sessionId: number, lscDer: Buffer): StoreCertificateRequest {
  return {
    command: 'STORE_CERTIFICATE_REQUEST',
    sessionId,
    elements: { certificateType: CapfCertType.LSC, certificate: { certType: CapfCertType.LSC, der: lscDer } },
  };
}

export function storeCertificateResponse(sessionId: number, reason: number = CapfReason.UPDATE_CERTIFICATE) {
  return {
    command: 'STORE_CERTIFICATE_RESPONSE',
    sessionId,
    elements: { reason },
  } satisfies StoreCertificateResponse;
}

export function fetchCertificateRequest(sessionId: number, certType: number = CapfCertType.LSC) {
  return {
    command: 'FETCH_CERTIFICATE_REQUEST',
    sessionId,
    elements: { certificateType: certType },
  } satisfies CapfMessage;
}

export function fetchCertificateResponse(sessionId: number, cert: CapfCertificate | undefined) {
  return {
    command: 'FETCH_CERTIFICATE_RESPONSE',
    sessionId,
    elements: cert
      ? { reason: CapfReason.UPDATE_CERTIFICATE, certificate: cert }
      : { reason: CapfReason.NO_ACTION },
  } satisfies CapfMessage;
}

export function deleteCertificateRequest(sessionId: number) {
  return { command: 'DELETE_CERTIFICATE_REQUEST', sessionId, elements: {} } satisfies CapfMessage;
}

export function deleteCertificateResponse(sessionId: number, reason: number = CapfReason.UPDATE_CERTIFICATE) {
  return { command: 'DELETE_CERTIFICATE_RESPONSE', sessionId, elements: { reason } } satisfies CapfMessage;
}

export function endSession(sessionId: number, reason: number, reasonInfo?: string): EndSession {
  return {
    command: 'END_SESSION',
    sessionId,
    elements: { reason, ...(reasonInfo !== undefined ? { reasonInfo } : {}) },
  };
}

// ---------- element encoding ----------

const u8 = (v: number) => Buffer.from([v & 0xff]);
const u16 = (v: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v, 0);
  return b;
};
const cstr = (s: string) => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);

/** docs/reference/capf.md §5 tag 4, nested: `01 | len(2)=DER+2 | 00 | certType | DER`. A receiver strips 5 bytes. */
export function encodeCertificateElement(c: CapfCertificate): Buffer {
  const h = Buffer.alloc(5);
  h.writeUInt8(0x01, 0);
  h.writeUInt16BE(c.der.length + 2, 1);
  h.writeUInt8(0x00, 3);
  h.writeUInt8(c.certType, 4);
  return Buffer.concat([h, c.der]);
}

function decodeCertificateElement(v: Buffer, offset: number): Result<CapfCertificate, FormatError> {
  if (v.length < 5)
    return err(formatError(FORMAT, offset, 'truncated', 'CERTIFICATE element shorter than 5 bytes'));
  if (v[0] !== 0x01)
    return err(formatError(FORMAT, offset, 'bad-element', 'CERTIFICATE must start with 0x01'));
  const inner = v.readUInt16BE(1);
  if (inner !== v.length - 3) {
    return err(
      formatError(FORMAT, offset + 1, 'bad-element', `CERTIFICATE inner length ${inner} != ${v.length - 3}`),
    );
  }
  return ok({ certType: v[4]!, der: Buffer.from(v.subarray(5)) });
}

/** Encoding order: the docs/reference/capf.md §6 order for the main flow, then the rest by tag. */
const ORDER: (keyof CapfElements)[] = [
  'reason',
  'reasonInfo',
  'version',
  'authType',
  'deviceName',
  'password',
  'certificateType',
  'certificate',
  'certificateId',
  'signedData',
  'sha2SignedData',
  'sudiData',
  'keyType',
  'keySize',
  'curve',
  'publicKey',
  'retryDelay',
  'digestType',
];

function elementTlv(k: keyof CapfElements, e: CapfElements): Tlv | undefined {
  switch (k) {
    case 'reason':
      return e.reason === undefined ? undefined : { tag: CapfTag.REASON, value: u8(e.reason) };
    case 'reasonInfo':
      return e.reasonInfo === undefined ? undefined : { tag: CapfTag.REASON_INFO, value: cstr(e.reasonInfo) };
    case 'certificateType':
      return e.certificateType === undefined
        ? undefined
        : { tag: CapfTag.CERTIFICATE_TYPE, value: u8(e.certificateType) };
    case 'certificate':
      return e.certificate && { tag: CapfTag.CERTIFICATE, value: encodeCertificateElement(e.certificate) };
    case 'certificateId':
      return e.certificateId && { tag: CapfTag.CERTIFICATE_ID, value: e.certificateId };
    case 'signedData':
      return e.signedData && { tag: CapfTag.SIGNED_DATA, value: e.signedData };
    case 'version':
      return e.version === undefined ? undefined : { tag: CapfTag.VERSION, value: u8(e.version) };
    case 'authType':
      return e.authType === undefined ? undefined : { tag: CapfTag.AUTH_TYPE, value: u8(e.authType) };
    case 'publicKey':
      return e.publicKey && { tag: CapfTag.PUBLIC_KEY, value: e.publicKey };
    case 'keySize':
      return e.keySize === undefined ? undefined : { tag: CapfTag.KEY_SIZE, value: u16(e.keySize) };
    case 'password':
      return e.password === undefined ? undefined : { tag: CapfTag.PASSWORD, value: cstr(e.password) };
    case 'retryDelay':
      return e.retryDelay && { tag: CapfTag.RETRY_DELAY, value: e.retryDelay };
    case 'deviceName':
      return e.deviceName === undefined ? undefined : { tag: CapfTag.DEVICE_NAME, value: cstr(e.deviceName) };
    case 'sudiData':
      return e.sudiData && { tag: CapfTag.SUDI_DATA, value: e.sudiData };
    case 'keyType':
      return e.keyType === undefined ? undefined : { tag: CapfTag.KEY_TYPE, value: u8(e.keyType) };
    case 'curve':
      return e.curve === undefined ? undefined : { tag: CapfTag.CURVE, value: u8(e.curve) };
    case 'digestType':
      return e.digestType && { tag: CapfTag.DIGEST_TYPE, value: e.digestType };
    case 'sha2SignedData': {
      const s = e.sha2SignedData;
      // docs/reference/capf.md §5 tag 20: `03 (SHA512) | len(2B) | sig`.
      return (
        s && {
          tag: CapfTag.SHA2_SIGNED_DATA,
          value: Buffer.concat([u8(s.digest), u16(s.signature.length), s.signature]),
        }
      );
    }
    default:
      return undefined;
  }
}

/** The whole message as one Buffer: write it with a single `write` (docs/reference/capf.md §6 step 7). */
export function encodeCapf(m: CapfMessage): Buffer {
  const tlvs: Tlv[] = [];
  for (const k of ORDER) {
    const t = elementTlv(k, m.elements);
    if (t) tlvs.push(t);
  }
  tlvs.push(...(m.elements.unknown ?? []));
  const body = encodeTlvs(tlvs);
  if (body.length > 0xffff) throw new RangeError(`CAPF body too long (${body.length})`);
  const h = Buffer.alloc(CAPF_HEADER_LENGTH);
  h.writeUInt8(CAPF_PROTOCOL_ID, 0);
  h.writeUInt8(CapfCommand[m.command], 1);
  h.writeUInt32BE(m.sessionId >>> 0, 2);
  h.writeUInt16BE(body.length, 6);
  return Buffer.concat([h, body]);
}

export interface CapfHeader {
  command: number;
  sessionId: number;
  length: number;
}

export function decodeCapfHeader(buf: Buffer): Result<CapfHeader, FormatError> {
  if (buf.length < CAPF_HEADER_LENGTH) {
    return err(
      formatError(
        FORMAT,
        buf.length,
        'truncated',
        `header needs ${CAPF_HEADER_LENGTH} bytes, got ${buf.length}`,
      ),
    );
  }
  if (buf[0] !== CAPF_PROTOCOL_ID) {
    return err(
      formatError(FORMAT, 0, 'bad-protocol-id', `protocol id 0x${buf[0]!.toString(16)} is not 0x55`),
    );
  }
  return ok({ command: buf[1]!, sessionId: buf.readUInt32BE(2), length: buf.readUInt16BE(6) });
}

export function decodeCapf(buf: Buffer): Result<CapfMessage, FormatError> {
  const h = decodeCapfHeader(buf);
  if (!h.ok) return h;
  const command = COMMAND_BY_NUMBER.get(h.value.command);
  if (!command)
    return err(formatError(FORMAT, 1, 'unknown-command', `unknown CAPF command ${h.value.command}`));
  const end = CAPF_HEADER_LENGTH + h.value.length;
  if (buf.length < end) {
    return err(
      formatError(
        FORMAT,
        buf.length,
        'truncated',
        `length says ${h.value.length} body bytes, ${buf.length - 8} present`,
      ),
    );
  }
  if (buf.length > end) return err(formatError(FORMAT, end, 'trailing-bytes', 'bytes after the message'));
  const tlvs = decodeTlvs(FORMAT, buf.subarray(CAPF_HEADER_LENGTH), CAPF_HEADER_LENGTH);
  if (!tlvs.ok) return tlvs;
  const e: CapfElements = {};
  let o = CAPF_HEADER_LENGTH;
  for (const t of tlvs.value) {
    const at = o + 3;
    o += 3 + t.value.length;
    const v = t.value;
    const size = (n: number): FormatError | undefined =>
      v.length === n
        ? undefined
        : formatError(FORMAT, at, 'bad-element', `element ${t.tag} must be ${n} byte(s), is ${v.length}`);
    const cs = (): Result<string, FormatError> =>
      v.length > 0 && v[v.length - 1] === 0
        ? ok(v.toString('utf8', 0, v.length - 1))
        : err(formatError(FORMAT, at + v.length, 'missing-nul', `element ${t.tag} is not NUL-terminated`));
    let bad: FormatError | undefined;
    switch (t.tag) {
      case CapfTag.REASON:
        bad = size(1);
        if (!bad) e.reason = v[0]!;
        break;
      case CapfTag.REASON_INFO: {
        // Lenient: REASON_INFO is "string" in docs/reference/capf.md §5 without a stated terminator.
        const n = v.indexOf(0);
        e.reasonInfo = v.toString('utf8', 0, n < 0 ? v.length : n);
        break;
      }
      case CapfTag.CERTIFICATE_TYPE:
        bad = size(1);
        if (!bad) e.certificateType = v[0]!;
        break;
      case CapfTag.CERTIFICATE: {
        const c = decodeCertificateElement(v, at);
        if (!c.ok) return c;
        e.certificate = c.value;
        break;
      }
      case CapfTag.CERTIFICATE_ID:
        e.certificateId = v;
        break;
      case CapfTag.SIGNED_DATA:
        e.signedData = v;
        break;
      case CapfTag.VERSION:
        bad = size(1);
        if (!bad) e.version = v[0]!;
        break;
      case CapfTag.AUTH_TYPE:
        bad = size(1);
        if (!bad) e.authType = v[0]!;
        break;
      case CapfTag.PUBLIC_KEY:
        e.publicKey = v;
        break;
      case CapfTag.KEY_SIZE:
        bad = size(2);
        if (!bad) e.keySize = v.readUInt16BE(0);
        break;
      case CapfTag.PASSWORD: {
        const s = cs();
        if (!s.ok) return s;
        e.password = s.value;
        break;
      }
      case CapfTag.RETRY_DELAY:
        e.retryDelay = v;
        break;
      case CapfTag.DEVICE_NAME: {
        const s = cs();
        if (!s.ok) return s;
        e.deviceName = s.value;
        break;
      }
      case CapfTag.SUDI_DATA:
        e.sudiData = v;
        break;
      case CapfTag.KEY_TYPE:
        bad = size(1);
        if (!bad) e.keyType = v[0]!;
        break;
      case CapfTag.CURVE:
        bad = size(1);
        if (!bad) e.curve = v[0]!;
        break;
      case CapfTag.DIGEST_TYPE:
        e.digestType = v;
        break;
      case CapfTag.SHA2_SIGNED_DATA: {
        if (v.length < 3 || v.readUInt16BE(1) !== v.length - 3) {
          return err(formatError(FORMAT, at, 'bad-element', 'SHA2_SIGNED_DATA inner length does not match'));
        }
        e.sha2SignedData = { digest: v[0]!, signature: Buffer.from(v.subarray(3)) };
        break;
      }
      default:
        e.unknown = [...(e.unknown ?? []), t];
    }
    if (bad) return err(bad);
  }
  for (const k of REQUIRED[command] ?? []) {
    if (e[k] === undefined) {
      return err(formatError(FORMAT, CAPF_HEADER_LENGTH, 'missing-element', `${command} without ${k}`));
    }
  }
  return ok({ command, sessionId: h.value.sessionId, elements: e });
}

export const CAPF_FRAME: FrameSpec = {
  format: FORMAT,
  headerLength: CAPF_HEADER_LENGTH,
  frameLength: (h) => {
    const d = decodeCapfHeader(h);
    return d.ok ? ok(CAPF_HEADER_LENGTH + d.value.length) : d;
  },
};

/** Accumulates TLS chunks and yields decoded CAPF messages (one Result per message). */
export function capfFramer(): MessageFramer<CapfMessage> {
  return new MessageFramer(CAPF_FRAME, decodeCapf);
}

export {
  type CapfSha2Signature,
  signCapfData,
  signCapfDataSha2,
  signedDataDigest,
  signedDataInput,
  verifyCapfData,
} from './capf-signed-data.ts';
