/**
 * SCCP call messages: the minimal call flow between CUCM and a station (OffHook, KeypadButton,
 * CallState, CallInfo, OpenReceiveChannel, StartMediaTransmission), carried as `Other` frames of the
 * registration codec (sccp.ts).
 */
import { fixedString, ipToBuf, readFixedString, type SccpMessage } from './sccp.ts';

/**
 * A minimal SCCP call exchange (ids checked against tshark 4.0 `skinny.messageId`). Bodies follow
 * Wireshark's skinny dissector field order for protocol versions below 17 (older layouts, no IPv6
 * fields); APPROXIMATION where noted. They travel as `{type:'Other'}` frames so registration decoding
 * is untouched: `sccpCall()` builds one, `readSccpCall()` reads one.
 *
 * | id     | Wireshark name          | body here |
 * |--------|-------------------------|-----------|
 * | 0x0003 | KeypadButton            | kpButton, lineInstance, callReference (u32 LE) |
 * | 0x0006 | OffHook                 | lineInstance, callReference |
 * | 0x0007 | OnHook                  | lineInstance, callReference |
 * | 0x0022 | OpenReceiveChannelAck   | status, ipAddr (network order), port, passThruPartyId, callReference |
 * | 0x0082 | StartTone               | tone, direction, lineInstance, callReference |
 * | 0x008A | StartMediaTransmission  | conferenceId, passThruPartyId, remoteIp, remotePort, msPacketSize, compressionType, precedence, ssValue, maxFrames, g723BitRate, callReference, then mediaEncryptionKey {algorithmID, keyLength u16, saltLength u16, key[16], salt[16], isMKIPresent, keyDerivationRate} |
 * | 0x008F | CallInfo                | callingPartyName[40] callingParty[24] calledPartyName[40] calledParty[24] lineInstance callReference callType ... callInstance callSecurityStatus partyPIRestrictionBits (384 bytes) |
 * | 0x0105 | OpenReceiveChannel      | conferenceId, passThruPartyId, msPacketSize, compressionType, echoCancelType, g723BitRate, callReference |
 * | 0x0111 | CallState               | callState, lineInstance, callReference, privacy, precedenceLevel, precedenceDomain |
 *
 * APPROXIMATION: real CUCM gives an SCCP phone its SRTP receive key in OpenReceiveChannel and its send
 * key in StartMediaTransmission; here both keys ride in StartMediaTransmission (a second
 * mediaEncryptionKey block after the first), so CUCM can open both channels before the far end answers.
 */
export const SccpCallMessageId = {
  KeypadButton: 0x0003,
  OffHook: 0x0006,
  OnHook: 0x0007,
  OpenReceiveChannelAck: 0x0022,
  StartTone: 0x0082,
  StartMediaTransmission: 0x008a,
  CallInfo: 0x008f,
  OpenReceiveChannel: 0x0105,
  CallState: 0x0111,
} as const;

/** skinny `DCallState` values used here. */
export const SccpCallState = {
  OffHook: 1,
  OnHook: 2,
  RingOut: 3,
  RingIn: 4,
  Connected: 5,
  Busy: 6,
  Congestion: 7,
} as const;

/** skinny `CallSecurityStatusType`: what the phone's lock/shield icon shows. */
export const SccpCallSecurityStatus = {
  Unknown: 0,
  NotAuthenticated: 1,
  Authenticated: 2,
  Encrypted: 3,
} as const;

/** skinny `DeviceTone`: 0x25 ReorderTone (a call that cannot be completed). */
export const SccpTone = { Reorder: 0x25 } as const;

/** skinny `MediaEncryptionAlgorithmType`: 0 none, 1 AES_128_COUNTER. */
export interface SccpMediaKey {
  algorithm: 0 | 1;
  key: Buffer;
  salt: Buffer;
}

export type SccpCallMessage =
  | { type: 'KeypadButton'; button: number; lineInstance: number; callReference: number }
  | { type: 'OffHook'; lineInstance: number; callReference: number }
  | { type: 'OnHook'; lineInstance: number; callReference: number }
  | {
      type: 'OpenReceiveChannelAck';
      status: number;
      ip: string;
      port: number;
      passThruPartyId: number;
      callReference: number;
    }
  | { type: 'StartTone'; tone: number; lineInstance: number; callReference: number }
  | {
      type: 'StartMediaTransmission';
      passThruPartyId: number;
      remoteIp: string;
      remotePort: number;
      callReference: number;
      sendKey: SccpMediaKey | null;
      recvKey: SccpMediaKey | null;
    }
  | {
      type: 'CallInfo';
      callingPartyName: string;
      callingParty: string;
      calledPartyName: string;
      calledParty: string;
      lineInstance: number;
      callReference: number;
      /** 1 inbound, 2 outbound. */
      callType: number;
      callSecurityStatus: number;
    }
  | { type: 'OpenReceiveChannel'; passThruPartyId: number; callReference: number }
  | { type: 'CallState'; state: number; lineInstance: number; callReference: number };

function u32s(...v: number[]): Buffer {
  const b = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => {
    b.writeUInt32LE(x >>> 0, i * 4);
  });
  return b;
}

function mediaKey(k: SccpMediaKey | null): Buffer {
  const b = Buffer.alloc(48);
  if (!k) return b;
  b.writeUInt32LE(k.algorithm, 0);
  b.writeUInt16LE(k.key.length, 4);
  b.writeUInt16LE(k.salt.length, 6);
  k.key.copy(b, 8, 0, 16);
  k.salt.copy(b, 24, 0, 16);
  return b;
}

function readMediaKey(b: Buffer, off: number): SccpMediaKey | null {
  if (b.length < off + 48) return null;
  const algorithm = b.readUInt32LE(off);
  if (algorithm !== 1) return null;
  const kl = Math.min(16, b.readUInt16LE(off + 4));
  const sl = Math.min(16, b.readUInt16LE(off + 6));
  return {
    algorithm: 1,
    key: Buffer.from(b.subarray(off + 8, off + 8 + kl)),
    salt: Buffer.from(b.subarray(off + 24, off + 24 + sl)),
  };
}

/** An SCCP call message as a frame `encodeSccp` sends. */
export function sccpCall(m: SccpCallMessage): SccpMessage {
  const id = SccpCallMessageId[m.type];
  let b: Buffer;
  switch (m.type) {
    case 'KeypadButton':
      b = u32s(m.button, m.lineInstance, m.callReference);
      break;
    case 'OffHook':
    case 'OnHook':
      b = u32s(m.lineInstance, m.callReference);
      break;
    case 'OpenReceiveChannelAck':
      b = Buffer.concat([u32s(m.status), ipToBuf(m.ip), u32s(m.port, m.passThruPartyId, m.callReference)]);
      break;
    case 'StartTone':
      b = u32s(m.tone, 0, m.lineInstance, m.callReference);
      break;
    case 'StartMediaTransmission':
      b = Buffer.concat([
        u32s(m.callReference, m.passThruPartyId),
        ipToBuf(m.remoteIp),
        u32s(m.remotePort, 20, 4, 0, 0, 1, 0, m.callReference),
        mediaKey(m.sendKey),
        mediaKey(m.recvKey),
      ]);
      break;
    case 'CallInfo': {
      b = Buffer.alloc(384);
      fixedString(m.callingPartyName, 40).copy(b, 0);
      fixedString(m.callingParty, 24).copy(b, 40);
      fixedString(m.calledPartyName, 40).copy(b, 64);
      fixedString(m.calledParty, 24).copy(b, 104);
      b.writeUInt32LE(m.lineInstance, 128);
      b.writeUInt32LE(m.callReference, 132);
      b.writeUInt32LE(m.callType, 136);
      b.writeUInt32LE(m.callReference, 372); // callInstance
      b.writeUInt32LE(m.callSecurityStatus, 376);
      break;
    }
    case 'OpenReceiveChannel':
      // compressionType 4 = G.711 u-law 64k, 20 ms packets.
      b = u32s(m.callReference, m.passThruPartyId, 20, 4, 0, 0, m.callReference);
      break;
    case 'CallState':
      b = u32s(m.state, 1, m.callReference, 0, 4, 0);
      break;
  }
  return { type: 'Other', messageId: id, body: b };
}

/** Reads an SCCP call message from a decoded `Other` frame; null for anything else or a short body. */
export function readSccpCall(m: SccpMessage): SccpCallMessage | null {
  if (m.type !== 'Other') return null;
  const b = m.body;
  const u = (i: number) => (b.length >= i * 4 + 4 ? b.readUInt32LE(i * 4) : 0);
  const ip = (off: number) => (b.length >= off + 4 ? [...b.subarray(off, off + 4)].join('.') : '0.0.0.0');
  switch (m.messageId) {
    case SccpCallMessageId.KeypadButton:
      return b.length < 4
        ? null
        : { type: 'KeypadButton', button: u(0), lineInstance: u(1), callReference: u(2) };
    case SccpCallMessageId.OffHook:
      return { type: 'OffHook', lineInstance: u(0), callReference: u(1) };
    case SccpCallMessageId.OnHook:
      return { type: 'OnHook', lineInstance: u(0), callReference: u(1) };
    case SccpCallMessageId.OpenReceiveChannelAck:
      return b.length < 20
        ? null
        : {
            type: 'OpenReceiveChannelAck',
            status: u(0),
            ip: ip(4),
            port: u(2),
            passThruPartyId: u(3),
            callReference: u(4),
          };
    case SccpCallMessageId.StartTone:
      return b.length < 4 ? null : { type: 'StartTone', tone: u(0), lineInstance: u(2), callReference: u(3) };
    case SccpCallMessageId.StartMediaTransmission:
      return b.length < 44
        ? null
        : {
            type: 'StartMediaTransmission',
            passThruPartyId: u(1),
            remoteIp: ip(8),
            remotePort: u(3),
            callReference: u(10),
            sendKey: readMediaKey(b, 44),
            recvKey: readMediaKey(b, 92),
          };
    case SccpCallMessageId.CallInfo:
      return b.length < 384
        ? null
        : {
            type: 'CallInfo',
            callingPartyName: readFixedString(b, 0, 40),
            callingParty: readFixedString(b, 40, 24),
            calledPartyName: readFixedString(b, 64, 40),
            calledParty: readFixedString(b, 104, 24),
            lineInstance: b.readUInt32LE(128),
            callReference: b.readUInt32LE(132),
            callType: b.readUInt32LE(136),
            callSecurityStatus: b.readUInt32LE(376),
          };
    case SccpCallMessageId.OpenReceiveChannel:
      return b.length < 8 ? null : { type: 'OpenReceiveChannel', passThruPartyId: u(1), callReference: u(6) };
    case SccpCallMessageId.CallState:
      return b.length < 12
        ? null
        : { type: 'CallState', state: u(0), lineInstance: u(1), callReference: u(2) };
    default:
      return null;
  }
}
