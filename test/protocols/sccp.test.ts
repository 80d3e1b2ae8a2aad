import { describe, expect, it } from 'vitest';
import {
  decodeSccp,
  encodeSccp,
  headerVersionFor,
  type SccpMessage,
  sccpFramer,
} from '../../devices/protocols/sccp.ts';

describe('SCCP codec', () => {
  it('a short Register matches the chan-sccp 7936 dump prefix (docs/reference/sccp-sip.md §1.1)', () => {
    const b = encodeSccp({
      type: 'Register',
      register: {
        deviceName: 'SEP0004F2E240A3',
        stationIpAddr: '10.1.2.3',
        deviceType: 30019,
        maxStreams: 5,
      },
    });
    const prefix = Buffer.concat([
      Buffer.from('30000000' + '00000000' + '01000000', 'hex'),
      Buffer.from('SEP0004F2E240A3\0', 'latin1'),
    ]);
    expect(b.subarray(0, prefix.length).equals(prefix)).toBe(true);
    expect(b.length).toBe(0x30 + 8);
    expect(b.subarray(12 + 24, 12 + 28).toString('hex')).toBe('0a010203'); // stationIpAddr big-endian
    expect(b.readUInt32LE(12 + 20)).toBe(1); // instance defaults to 1
  });

  it('a full Register round-trips with firmware and config version stamp', () => {
    const m: SccpMessage = {
      type: 'Register',
      register: {
        deviceName: 'SEP001122334455',
        userId: 0,
        instance: 1,
        stationIpAddr: '127.0.0.11',
        deviceType: 115,
        maxStreams: 5,
        activeStreams: 0,
        protocolVer: 0x11,
        phoneFeatures: 0x8085,
        maxConferences: 0,
        activeConferences: 0,
        macAddress: '001122334455',
        ipV4AddressScope: 0,
        maxNumberOfLines: 2,
        ipV6AddressScope: 0,
        firmwareLoadName: 'SCCP41.9-4-2SR3-1S',
        configVersionStamp: '1234-5678',
      },
    };
    const b = encodeSccp(m, headerVersionFor(17));
    expect(b.readUInt32LE(4)).toBe(0x11);
    expect(decodeSccp(b)).toEqual({ ok: true, value: { headerVersion: 0x11, message: m } });
  });

  it('registration replies round-trip', () => {
    const msgs: SccpMessage[] = [
      {
        type: 'RegisterAck',
        ack: {
          keepAliveInterval: 30,
          dateTemplate: 'M/D/YA',
          secondaryKeepAliveInterval: 60,
          protocolVersion: 17,
          features: Buffer.from([0x20, 0xf1, 0xff]),
        },
      },
      { type: 'RegisterReject', text: 'No Authority: SEP001122334455' },
      { type: 'KeepAlive' },
      { type: 'KeepAliveAck' },
      { type: 'CapabilitiesReq' },
      {
        type: 'CapabilitiesRes',
        capabilities: [{ codec: 4, maxFramesPerPacket: 40, payload: Buffer.alloc(8) }],
      },
      { type: 'Unregister' },
      { type: 'UnregisterAck', status: 0 },
      { type: 'Reset', resetType: 2 },
    ];
    for (const m of msgs)
      expect(decodeSccp(encodeSccp(m))).toEqual({ ok: true, value: { headerVersion: 0, message: m } });
  });

  it('RegisterReject carries text[33] padded to a 4-byte boundary', () => {
    const b = encodeSccp({ type: 'RegisterReject', text: 'x' });
    expect(b.readUInt32LE(0)).toBe(4 + 36);
    expect(b.readUInt32LE(8)).toBe(0x9d);
  });

  it('a length that cannot hold a message id is a typed error', () => {
    const d = decodeSccp(Buffer.from('020000000000000000000000', 'hex'));
    expect(d.ok ? undefined : d.error).toMatchObject({ code: 'sccp.bad-length', offset: 0 });
  });

  it('the framer splits back-to-back messages delivered in odd chunks', () => {
    const f = sccpFramer();
    const wire = Buffer.concat([
      encodeSccp({ type: 'KeepAlive' }),
      encodeSccp({ type: 'Reset', resetType: 1 }),
    ]);
    const out = [
      ...f.push(wire.subarray(0, 7)),
      ...f.push(wire.subarray(7, 13)),
      ...f.push(wire.subarray(13)),
    ];
    expect(out.map((r) => r.ok && r.value.message.type)).toEqual(['KeepAlive', 'Reset']);
  });
});
