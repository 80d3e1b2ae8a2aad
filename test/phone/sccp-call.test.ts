/** The minimal SCCP call messages (devices/protocols/sccp.ts `sccpCall` / `readSccpCall`). */
import { describe, expect, it } from 'vitest';
import { decodeSccp, encodeSccp } from '../../devices/protocols/sccp.ts';
import {
  readSccpCall,
  type SccpCallMessage,
  SccpCallSecurityStatus,
  sccpCall,
} from '../../devices/protocols/sccp-call.ts';

function roundTrip(m: SccpCallMessage): SccpCallMessage | null {
  const d = decodeSccp(encodeSccp(sccpCall(m), 17));
  if (!d.ok) throw new Error(d.error.message);
  return readSccpCall(d.value.message);
}

describe('SCCP call messages', () => {
  it('StartMediaTransmission carries the far address and both SRTP keys', () => {
    const key = { algorithm: 1 as const, key: Buffer.alloc(16, 1), salt: Buffer.alloc(14, 2) };
    const m: SccpCallMessage = {
      type: 'StartMediaTransmission',
      passThruPartyId: 7,
      remoteIp: '10.1.2.3',
      remotePort: 16384,
      callReference: 42,
      sendKey: key,
      recvKey: { ...key, key: Buffer.alloc(16, 3) },
    };
    expect(roundTrip(m)).toEqual(m);
  });

  it('CallInfo carries the call security status the icon shows', () => {
    const m: SccpCallMessage = {
      type: 'CallInfo',
      callingPartyName: 'SEP001122334455',
      callingParty: '1001',
      calledPartyName: '',
      calledParty: '1002',
      lineInstance: 1,
      callReference: 9,
      callType: 1,
      callSecurityStatus: SccpCallSecurityStatus.Encrypted,
    };
    const e = encodeSccp(sccpCall(m), 0);
    expect(e.readUInt32LE(8)).toBe(0x008f);
    expect(roundTrip(m)).toEqual(m);
  });

  it('a truncated call message is not read as one', () => {
    expect(readSccpCall({ type: 'Other', messageId: 0x008a, body: Buffer.alloc(10) })).toBeNull();
    expect(readSccpCall({ type: 'Other', messageId: 0x008f, body: Buffer.alloc(100) })).toBeNull();
    expect(readSccpCall({ type: 'KeepAlive' })).toBeNull();
  });
});
