/**
 * SCCP (Skinny) messages for registration: docs/reference/sccp-sip.md §1.
 *
 * Header, 12 bytes, all little-endian (docs/reference/sccp-sip.md §1.1): length u32 (= 4 + body: the bytes after the first 8),
 * header version u32 (0 below protocol 10, else the protocol version), messageId u32.
 * Bodies are padded so that (body + 8) % 4 == 0, as chan-sccp does (docs/reference/sccp-sip.md §1.1).
 */
import { err, type FormatError, formatError, ok, type Result } from '../../emulator/result.ts';
import { type FrameSpec, MessageFramer } from './framer.ts';

const FORMAT = 'sccp';
export const SCCP_HEADER_LENGTH = 12;
export const SCCP_PORT = 2000;
export const SCCP_TLS_PORT = 2443;
/** No registration message is anywhere near this; a bigger length is garbage, not a message. */
export const SCCP_MAX_LENGTH = 8192;

/**
 * Message ids (docs/reference/sccp-sip.md §1.2) with Wireshark's Skinny dissector names, checked against tshark 4.0.17
 * `tshark -G values` (`skinny.messageId`):
 *
 * | id     | Wireshark name         | here                 |
 * |--------|------------------------|----------------------|
 * | 0x0000 | KeepAliveReq           | KeepAlive            |
 * | 0x0001 | RegisterReq            | Register             |
 * | 0x0002 | IpPort                 | IpPort               |
 * | 0x000D | TimeDateReq            | TimeDateReq          |
 * | 0x000E | ButtonTemplateReq      | ButtonTemplateReq    |
 * | 0x000F | VersionReq             | VersionReq           |
 * | 0x0010 | CapabilitiesRes        | CapabilitiesRes      |
 * | 0x0012 | ServerReq              | ServerReq            |
 * | 0x0020 | Alarm                  | Alarm                |
 * | 0x0025 | SoftKeySetReq          | SoftKeySetReq        |
 * | 0x0027 | UnregisterReq          | Unregister           |
 * | 0x0028 | SoftKeyTemplateReq     | SoftKeyTemplateReq   |
 * | 0x002D | RegisterAvailableLines | RegisterAvailableLines |
 * | 0x0030 | UpdateCapabilities     | UpdateCapabilities   |
 * | 0x0043 | CapabilitiesV2Res      | UpdateCapabilitiesV2 |
 * | 0x0044 | CapabilitiesV3Res      | UpdateCapabilitiesV3 |
 * | 0x0081 | RegisterAck            | RegisterAck          |
 * | 0x0094 | TimeDateRes            | DefineTimeDate       |
 * | 0x0097 | ButtonTemplateRes      | ButtonTemplate       |
 * | 0x0098 | VersionRes             | Version              |
 * | 0x009B | CapabilitiesReq        | CapabilitiesReq      |
 * | 0x009D | RegisterReject         | RegisterReject       |
 * | 0x009E | ServerRes              | ServerRes            |
 * | 0x009F | Reset                  | Reset                |
 * | 0x0100 | KeepAliveAck           | KeepAliveAck         |
 * | 0x0118 | UnregisterAck          | UnregisterAck        |
 * | 0x8000 | SPCPRegisterTokenReq   | SPCPRegisterTokenReq |
 * | 0x8100 | SPCPRegisterTokenAck   | SPCPRegisterTokenAck |
 * | 0x8101 | SPCPRegisterTokenReject| SPCPRegisterTokenReject |
 */
export const SccpMessageId = {
  KeepAlive: 0x0000,
  Register: 0x0001,
  IpPort: 0x0002,
  TimeDateReq: 0x000d,
  ButtonTemplateReq: 0x000e,
  VersionReq: 0x000f,
  CapabilitiesRes: 0x0010,
  ServerReq: 0x0012,
  Alarm: 0x0020,
  SoftKeySetReq: 0x0025,
  Unregister: 0x0027,
  SoftKeyTemplateReq: 0x0028,
  RegisterAvailableLines: 0x002d,
  UpdateCapabilities: 0x0030,
  UpdateCapabilitiesV2: 0x0043,
  UpdateCapabilitiesV3: 0x0044,
  RegisterAck: 0x0081,
  DefineTimeDate: 0x0094,
  ButtonTemplate: 0x0097,
  Version: 0x0098,
  CapabilitiesReq: 0x009b,
  RegisterReject: 0x009d,
  ServerRes: 0x009e,
  Reset: 0x009f,
  KeepAliveAck: 0x0100,
  UnregisterAck: 0x0118,
  SPCPRegisterTokenReq: 0x8000,
  SPCPRegisterTokenAck: 0x8100,
  SPCPRegisterTokenReject: 0x8101,
} as const;

/** Wireshark's names by id, for logs that should read like a tshark trace. */
export const WIRESHARK_SKINNY_NAMES: Record<number, string> = {
  0: 'KeepAliveReq',
  1: 'RegisterReq',
  2: 'IpPort',
  13: 'TimeDateReq',
  14: 'ButtonTemplateReq',
  15: 'VersionReq',
  16: 'CapabilitiesRes',
  18: 'ServerReq',
  32: 'Alarm',
  37: 'SoftKeySetReq',
  39: 'UnregisterReq',
  40: 'SoftKeyTemplateReq',
  45: 'RegisterAvailableLines',
  48: 'UpdateCapabilities',
  67: 'CapabilitiesV2Res',
  68: 'CapabilitiesV3Res',
  129: 'RegisterAck',
  148: 'TimeDateRes',
  151: 'ButtonTemplateRes',
  152: 'VersionRes',
  155: 'CapabilitiesReq',
  157: 'RegisterReject',
  158: 'ServerRes',
  159: 'Reset',
  256: 'KeepAliveAck',
  280: 'UnregisterAck',
  32768: 'SPCPRegisterTokenReq',
  33024: 'SPCPRegisterTokenAck',
  33025: 'SPCPRegisterTokenReject',
};

/** Header version by protocol (docs/reference/sccp-sip.md §1.1): 0 below V10, else the version number itself. */
export function headerVersionFor(protocolVersion: number): number {
  return protocolVersion < 10 ? 0 : protocolVersion;
}

/** docs/reference/sccp-sip.md §1.3 RegisterMessage. Fields after `deviceType` are optional: old phones send short bodies. */
export interface SccpRegister {
  /** `SEP<MAC>`, at most 15 characters (16 with NUL). */
  deviceName: string;
  userId?: number;
  instance?: number;
  /** Dotted quad; on the wire in network order (big-endian), unlike every other field (docs/reference/sccp-sip.md §1.3). */
  stationIpAddr: string;
  /** e.g. 115 = 7941, 0x1F1 = 6961, 30016 = IP Communicator. */
  deviceType: number;
  maxStreams?: number;
  activeStreams?: number;
  protocolVer?: number;
  phoneFeatures?: number;
  maxConferences?: number;
  activeConferences?: number;
  /** 12 hex digits. */
  macAddress?: string;
  ipV4AddressScope?: number;
  maxNumberOfLines?: number;
  ipV4Only?: boolean;
  ipV6AddressScope?: number;
  /** e.g. `SCCP41.8-5-3S`. */
  firmwareLoadName?: string;
  /** "new since 11.5" (docs/reference/sccp-sip.md §1.3). */
  configVersionStamp?: string;
}

export interface SccpRegisterAck {
  keepAliveInterval: number;
  /** e.g. `M/D/YA`. */
  dateTemplate: string;
  secondaryKeepAliveInterval: number;
  protocolVersion: number;
  features?: Buffer;
}

export type SccpCapability = { codec: number; maxFramesPerPacket: number; payload?: Buffer };

export type SccpMessage =
  | { type: 'KeepAlive' }
  | { type: 'KeepAliveAck' }
  | { type: 'Register'; register: SccpRegister }
  | { type: 'RegisterAck'; ack: SccpRegisterAck }
  | { type: 'RegisterReject'; text: string }
  | { type: 'CapabilitiesReq' }
  | { type: 'CapabilitiesRes'; capabilities: SccpCapability[] }
  | { type: 'Unregister'; reason?: number }
  | { type: 'UnregisterAck'; status: number }
  /** docs/reference/sccp-sip.md §1.2: 1 reset, 2 restart, 3 apply-config. */
  | { type: 'Reset'; resetType: number }
  | { type: 'Other'; messageId: number; body: Buffer };

/** A decoded frame: the message plus its header version. */
export interface SccpFrame {
  headerVersion: number;
  message: SccpMessage;
}

export const SccpResetType = { RESET: 1, RESTART: 2, APPLY_CONFIG: 3 } as const;
export const SccpUnregisterStatus = { OK: 0, ERROR: 1, NAK: 2 } as const;

/** Shared with the call messages (sccp-call.ts). */
export function fixedString(s: string, size: number): Buffer {
  const b = Buffer.alloc(size);
  b.write(s.slice(0, size - 1), 0, 'latin1');
  return b;
}
/** Shared with the call messages (sccp-call.ts). */
export function readFixedString(b: Buffer, off: number, size: number): string {
  const s = b.subarray(off, off + size);
  const nul = s.indexOf(0);
  return s.toString('latin1', 0, nul < 0 ? s.length : nul);
}
/** Shared with the call messages (sccp-call.ts). */
export function ipToBuf(ip: string): Buffer {
  const parts = ip.split('.').map((p) => Number(p));
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new RangeError(`not an IPv4 address: ${ip}`);
  }
  return Buffer.from(parts);
}

/** docs/reference/sccp-sip.md §1.3 body sizes: 44 (through phoneFeatures, as in the 7936 dump), 124 (through firmwareLoadName), 172. */
function registerBody(r: SccpRegister): Buffer {
  const b = Buffer.alloc(172);
  fixedString(r.deviceName, 16).copy(b, 0);
  b.writeUInt32LE(r.userId ?? 0, 16);
  b.writeUInt32LE(r.instance ?? 1, 20);
  ipToBuf(r.stationIpAddr).copy(b, 24); // network order (docs/reference/sccp-sip.md §1.3)
  b.writeUInt32LE(r.deviceType, 28);
  b.writeUInt32LE(r.maxStreams ?? 0, 32);
  b.writeUInt32LE(r.activeStreams ?? 0, 36);
  b.writeUInt8(r.protocolVer ?? 0, 40);
  b.writeUInt16LE(r.phoneFeatures ?? 0, 42);
  b.writeUInt32LE(r.maxConferences ?? 0, 44);
  b.writeUInt32LE(r.activeConferences ?? 0, 48);
  if (r.macAddress) Buffer.from(r.macAddress.replace(/[^0-9a-fA-F]/g, '').slice(0, 12), 'hex').copy(b, 52);
  b.writeUInt32LE(r.ipV4AddressScope ?? 0, 64);
  b.writeUInt32LE(r.maxNumberOfLines ?? 0, 68);
  b.writeUInt32LE(r.ipV6AddressScope ?? 0, 88);
  fixedString(r.firmwareLoadName ?? '', 32).copy(b, 92);
  fixedString(r.configVersionStamp ?? '', 48).copy(b, 124);
  const long =
    r.maxConferences !== undefined ||
    r.activeConferences !== undefined ||
    r.macAddress !== undefined ||
    r.ipV4AddressScope !== undefined ||
    r.maxNumberOfLines !== undefined ||
    r.ipV6AddressScope !== undefined ||
    r.firmwareLoadName !== undefined;
  if (r.configVersionStamp !== undefined) return b;
  return b.subarray(0, long ? 124 : 44);
}

function decodeRegister(body: Buffer, base: number): Result<SccpRegister, FormatError> {
  if (body.length < 32) {
    return err(
      formatError(FORMAT, base + body.length, 'truncated', `Register body of ${body.length} bytes, needs 32`),
    );
  }
  const r: SccpRegister = {
    deviceName: readFixedString(body, 0, 16),
    userId: body.readUInt32LE(16),
    instance: body.readUInt32LE(20),
    stationIpAddr: [...body.subarray(24, 28)].join('.'),
    deviceType: body.readUInt32LE(28),
  };
  if (body.length >= 36) r.maxStreams = body.readUInt32LE(32);
  if (body.length >= 44) {
    r.activeStreams = body.readUInt32LE(36);
    r.protocolVer = body.readUInt8(40);
    r.phoneFeatures = body.readUInt16LE(42);
  }
  if (body.length >= 52) {
    r.maxConferences = body.readUInt32LE(44);
    r.activeConferences = body.readUInt32LE(48);
  }
  if (body.length >= 124) {
    r.macAddress = body.subarray(52, 58).toString('hex').toUpperCase();
    r.ipV4AddressScope = body.readUInt32LE(64);
    r.maxNumberOfLines = body.readUInt32LE(68);
    r.ipV6AddressScope = body.readUInt32LE(88);
    r.firmwareLoadName = readFixedString(body, 92, 32);
  }
  if (body.length >= 172) r.configVersionStamp = readFixedString(body, 124, 48);
  return ok(r);
}

const u32le = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0, 0);
  return b;
};

function body(m: SccpMessage): Buffer {
  switch (m.type) {
    case 'KeepAlive':
    case 'KeepAliveAck':
    case 'CapabilitiesReq':
      return Buffer.alloc(0);
    case 'Register':
      return registerBody(m.register);
    case 'RegisterAck': {
      const b = Buffer.alloc(20);
      b.writeUInt32LE(m.ack.keepAliveInterval, 0);
      fixedString(m.ack.dateTemplate, 7).copy(b, 4); // dateTemplate[6]+2 pad ≡ [7]+1 pad (docs/reference/sccp-sip.md §1.2)
      b.writeUInt32LE(m.ack.secondaryKeepAliveInterval, 12);
      b.writeUInt8(m.ack.protocolVersion, 16);
      (m.ack.features ?? Buffer.alloc(3)).copy(b, 17, 0, 3);
      return b;
    }
    case 'RegisterReject':
      // text[33] zero-padded (ast-skinny; docs/reference/sccp-sip.md §1.2 says use 33), then 3 pad bytes for the 4-byte rule.
      return Buffer.concat([fixedString(m.text, 33), Buffer.alloc(3)]);
    case 'CapabilitiesRes': {
      const caps = m.capabilities.slice(0, 18);
      const b = Buffer.alloc(4 + 18 * 16);
      b.writeUInt32LE(caps.length, 0);
      caps.forEach((c, i) => {
        b.writeUInt32LE(c.codec, 4 + i * 16);
        b.writeUInt32LE(c.maxFramesPerPacket, 8 + i * 16);
        c.payload?.copy(b, 12 + i * 16, 0, 8);
      });
      return b;
    }
    case 'Unregister':
      return m.reason === undefined ? Buffer.alloc(0) : u32le(m.reason);
    case 'UnregisterAck':
      return u32le(m.status);
    case 'Reset':
      return u32le(m.resetType);
    case 'Other':
      return m.body;
  }
}

function messageId(m: SccpMessage): number {
  return m.type === 'Other' ? m.messageId : SccpMessageId[m.type];
}

/** Encodes one message as one Buffer. `headerVersion` per docs/reference/sccp-sip.md §1.1 (use `headerVersionFor`). */
export function encodeSccp(m: SccpMessage, headerVersion = 0): Buffer {
  const b = body(m);
  const h = Buffer.alloc(SCCP_HEADER_LENGTH);
  h.writeUInt32LE(4 + b.length, 0);
  h.writeUInt32LE(headerVersion, 4);
  h.writeUInt32LE(messageId(m), 8);
  return Buffer.concat([h, b]);
}

export function sccpFrameLength(h: Buffer): Result<number, FormatError> {
  if (h.length < 8)
    return err(formatError(FORMAT, h.length, 'truncated', 'header needs 8 bytes for the length'));
  const len = h.readUInt32LE(0);
  if (len < 4)
    return err(formatError(FORMAT, 0, 'bad-length', `length ${len} < 4 (no room for the message id)`));
  if (len > SCCP_MAX_LENGTH)
    return err(formatError(FORMAT, 0, 'bad-length', `length ${len} > ${SCCP_MAX_LENGTH}`));
  return ok(len + 8);
}

export function decodeSccp(buf: Buffer): Result<SccpFrame, FormatError> {
  if (buf.length < SCCP_HEADER_LENGTH) {
    return err(
      formatError(
        FORMAT,
        buf.length,
        'truncated',
        `header needs ${SCCP_HEADER_LENGTH} bytes, got ${buf.length}`,
      ),
    );
  }
  const total = sccpFrameLength(buf);
  if (!total.ok) return total;
  if (buf.length < total.value) {
    return err(
      formatError(FORMAT, buf.length, 'truncated', `length says ${total.value} bytes, ${buf.length} present`),
    );
  }
  if (buf.length > total.value)
    return err(formatError(FORMAT, total.value, 'trailing-bytes', 'bytes after the message'));
  const headerVersion = buf.readUInt32LE(4);
  const id = buf.readUInt32LE(8);
  const b = Buffer.from(buf.subarray(SCCP_HEADER_LENGTH));
  const need = (n: number): FormatError | undefined =>
    b.length >= n
      ? undefined
      : formatError(FORMAT, buf.length, 'truncated', `${WIRESHARK_SKINNY_NAMES[id]} body needs ${n} bytes`);
  const frame = (message: SccpMessage): Result<SccpFrame, FormatError> => ok({ headerVersion, message });
  let e: FormatError | undefined;
  switch (id) {
    case SccpMessageId.KeepAlive:
      return frame({ type: 'KeepAlive' });
    case SccpMessageId.KeepAliveAck:
      return frame({ type: 'KeepAliveAck' });
    case SccpMessageId.CapabilitiesReq:
      return frame({ type: 'CapabilitiesReq' });
    case SccpMessageId.Register: {
      const r = decodeRegister(b, SCCP_HEADER_LENGTH);
      return r.ok ? frame({ type: 'Register', register: r.value }) : r;
    }
    case SccpMessageId.RegisterAck:
      e = need(17);
      if (e) return err(e);
      return frame({
        type: 'RegisterAck',
        ack: {
          keepAliveInterval: b.readUInt32LE(0),
          dateTemplate: readFixedString(b, 4, 7),
          secondaryKeepAliveInterval: b.readUInt32LE(12),
          protocolVersion: b.readUInt8(16),
          features: Buffer.from(b.subarray(17, 20)),
        },
      });
    case SccpMessageId.RegisterReject:
      return frame({ type: 'RegisterReject', text: readFixedString(b, 0, Math.min(b.length, 33)) });
    case SccpMessageId.CapabilitiesRes: {
      e = need(4);
      if (e) return err(e);
      const count = b.readUInt32LE(0);
      if (count > 18 || 4 + count * 16 > b.length) {
        return err(
          formatError(FORMAT, SCCP_HEADER_LENGTH, 'bad-count', `capability count ${count} does not fit`),
        );
      }
      const capabilities: SccpCapability[] = [];
      for (let i = 0; i < count; i++) {
        capabilities.push({
          codec: b.readUInt32LE(4 + i * 16),
          maxFramesPerPacket: b.readUInt32LE(8 + i * 16),
          payload: Buffer.from(b.subarray(12 + i * 16, 20 + i * 16)),
        });
      }
      return frame({ type: 'CapabilitiesRes', capabilities });
    }
    case SccpMessageId.Unregister:
      return frame(
        b.length >= 4 ? { type: 'Unregister', reason: b.readUInt32LE(0) } : { type: 'Unregister' },
      );
    case SccpMessageId.UnregisterAck:
      e = need(4);
      if (e) return err(e);
      return frame({ type: 'UnregisterAck', status: b.readUInt32LE(0) });
    case SccpMessageId.Reset:
      e = need(4);
      if (e) return err(e);
      return frame({ type: 'Reset', resetType: b.readUInt32LE(0) });
    default:
      return frame({ type: 'Other', messageId: id, body: b });
  }
}

export const SCCP_FRAME: FrameSpec = { format: FORMAT, headerLength: 8, frameLength: sccpFrameLength };

/** Accumulates TCP/TLS chunks and yields decoded SCCP frames (one Result per frame). */
export function sccpFramer(): MessageFramer<SccpFrame> {
  return new MessageFramer(SCCP_FRAME, decodeSccp);
}
