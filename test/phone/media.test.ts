/**
 * Call media packets (devices/phone/media.ts): RFC 3550 RTP for G.711 u-law at 20 ms, RFC 3711 SRTP
 * with AES_CM_128_HMAC_SHA1_32. Seed 002: 160 bytes of RTP payload, 164 bytes with SRTP.
 */
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import {
  inlineKey,
  MEDIA_PACKETS,
  MediaStream,
  mediaPlanProblem,
  newMasterKey,
  parseInlineKey,
  RTP_HEADER_BYTES,
  rtpPacket,
  SrtpContext,
  srtpSessionKeys,
} from '../../devices/phone/media.ts';

const packet = () => rtpPacket({ seq: 4711, timestamp: 160_000, ssrc: 0xdeadbeef, marker: true });

describe('RTP and SRTP packets', () => {
  it('an RTP packet is a version 2 PCMU header and 160 bytes of 7F silence', () => {
    const p = packet();
    expect(p.length).toBe(RTP_HEADER_BYTES + 160);
    expect(p[0]).toBe(0x80);
    expect((p[1] ?? 0) & 0x7f).toBe(0); // payload type 0 = PCMU
    expect(p.readUInt16BE(2)).toBe(4711);
    expect(p.readUInt32BE(8)).toBe(0xdeadbeef);
    expect(p.subarray(RTP_HEADER_BYTES).every((b) => b === 0x7f)).toBe(true);
  });

  it('an SRTP packet carries 164 bytes after the header: 160 encrypted + a 4-byte tag', () => {
    const srtp = new SrtpContext(newMasterKey()).protect(packet());
    expect(srtp.length - RTP_HEADER_BYTES).toBe(164);
    expect(srtp.subarray(0, RTP_HEADER_BYTES)).toEqual(packet().subarray(0, RTP_HEADER_BYTES));
    expect(srtp.subarray(RTP_HEADER_BYTES, RTP_HEADER_BYTES + 160).every((b) => b === 0x7f)).toBe(false);
  });

  it('the receiver with the same master key gets the clear RTP packet back', () => {
    const key = newMasterKey();
    const back = new SrtpContext(key).unprotect(new SrtpContext(key).protect(packet()));
    expect(back).toEqual(packet());
  });

  it('a tampered or wrongly keyed SRTP packet fails authentication', () => {
    const key = newMasterKey();
    const srtp = new SrtpContext(key).protect(packet());
    const tampered = Buffer.from(srtp);
    tampered[20] = (tampered[20] ?? 0) ^ 1;
    expect(new SrtpContext(key).unprotect(tampered)).toBeNull();
    expect(new SrtpContext(newMasterKey()).unprotect(srtp)).toBeNull();
  });

  it('derives the session keys of the RFC 3711 B.3 test vector', () => {
    const k = srtpSessionKeys({
      key: Buffer.from('E1F97A0D3E018BE0D64FA32C06DE4139', 'hex'),
      salt: Buffer.from('0EC675AD498AFEEBB6960B3AABE6', 'hex'),
    });
    expect(k.cipherKey.toString('hex').toUpperCase()).toBe('C61E7A93744F39EE10734AFE3FF7A087');
    expect(k.salt.toString('hex').toUpperCase()).toBe('30CBBC08863D8C85D49DB34A9AE1');
    expect(k.authKey.toString('hex').toUpperCase()).toBe('CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4');
  });

  it('an a=crypto inline key is the 30-byte master key and salt in base64', () => {
    const k = newMasterKey();
    const inline = inlineKey(k);
    expect(Buffer.from(inline, 'base64').length).toBe(30);
    expect(parseInlineKey(inline)).toEqual(k);
    expect(parseInlineKey('c2hvcnQ=')).toBeNull();
  });
});

describe('a media stream on a UDP port', () => {
  const bind = async () => {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return s;
  };

  it('counts only packets from the far end of the plan; spoofed ones, early or late, are rejected', async () => {
    const mine = await bind();
    const far = await bind();
    const spoofer = await bind();
    const stream = new MediaStream(mine);
    const rtp = (seq: number) => rtpPacket({ seq, timestamp: seq * 160, ssrc: 7, marker: false });
    // Early spoofed packets (before the plan is known) are kept, then filtered at start().
    for (let i = 0; i < MEDIA_PACKETS; i++) spoofer.send(rtp(i), stream.port, '127.0.0.1');
    await new Promise<void>((r) => spoofer.send(rtp(99), stream.port, '127.0.0.1', () => r()));
    const done = stream.start({
      remote: { address: '127.0.0.1', port: far.address().port },
      sendKey: null,
      recvKey: null,
    });
    for (let i = 0; i < MEDIA_PACKETS; i++) far.send(rtp(100 + i), stream.port, '127.0.0.1');
    const report = await done;
    far.close();
    spoofer.close();
    expect(report.received).toBe(MEDIA_PACKETS);
    expect(report.rejected).toBeGreaterThanOrEqual(MEDIA_PACKETS);
  });

  it('refuses a plan with a short SRTP key or a far end that is not an IPv4 address, before sending', async () => {
    const short = { key: Buffer.alloc(3), salt: Buffer.alloc(14) };
    const remote = { address: '127.0.0.1', port: 9 };
    expect(mediaPlanProblem({ remote, sendKey: newMasterKey(), recvKey: short })).toMatch(/master key/);
    expect(
      mediaPlanProblem({ remote: { address: '999.1.1.1', port: 4000 }, sendKey: null, recvKey: null }),
    ).toMatch(/not an IPv4 address/);
    expect(mediaPlanProblem({ remote, sendKey: newMasterKey(), recvKey: newMasterKey() })).toBeNull();
    const s = await bind();
    const stream = new MediaStream(s);
    expect(() => stream.start({ remote, sendKey: newMasterKey(), recvKey: short })).toThrow(RangeError);
    stream.close();
  });
});
