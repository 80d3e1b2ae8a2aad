/**
 * Segmentation must not change outcomes: the same bytes decode to the same messages and the same
 * error whether they arrive in one chunk, in two, or byte by byte. A valid frame followed by garbage
 * in one chunk is delivered, then the error (the lab answers it, as it does when the two arrive in
 * separate writes).
 */
import { describe, expect, it } from 'vitest';
import { authRequest, capfFramer, encodeCapf } from '../../devices/protocols/capf.ts';
import type { MessageFramer } from '../../devices/protocols/framer.ts';
import { encodeSccp, sccpFramer } from '../../devices/protocols/sccp.ts';
import { encodeSip, SIP_MAX_HEADER_BYTES, SipFramer, type SipRequest } from '../../devices/protocols/sip.ts';
import { encodeTvs, tvsFramer } from '../../devices/protocols/tvs.ts';
import type { FormatError, Result } from '../../emulator/result.ts';

type Pushable = Pick<MessageFramer<unknown>, 'push'>;
type Out = Result<unknown, FormatError>[];

/** Feeds `wire` cut at `cuts` (offsets), collecting results up to and including the first error. */
function feed(make: () => Pushable, wire: Buffer, cuts: number[]): Out {
  const f = make();
  const out: Out = [];
  let from = 0;
  for (const to of [...cuts, wire.length]) {
    for (const r of f.push(wire.subarray(from, to))) {
      out.push(r);
      if (!r.ok) return out;
    }
    from = to;
  }
  return out;
}

const options: SipRequest = {
  kind: 'request',
  method: 'OPTIONS',
  uri: 'sip:cucm-pub:5061',
  headers: [
    ['Via', 'SIP/2.0/TLS 127.0.0.9:5061;branch=z9hG4bK1'],
    ['From', '<sip:app@127.0.0.9>;tag=1'],
    ['To', '<sip:cucm-pub:5061>'],
    ['Call-ID', 'c1@127.0.0.9'],
    ['CSeq', '101 OPTIONS'],
  ],
  body: Buffer.alloc(0),
};

const cases: { name: string; make: () => Pushable; frame: Buffer; garbage: Buffer; code: string }[] = [
  {
    name: 'TVS',
    make: tvsFramer,
    frame: encodeTvs({
      type: 'QUERY_CERT_REQ',
      sessionId: 1001,
      deviceName: 'CP-8861-SEP001122334455',
      subject: 'CN=cucm-pub',
      issuer: 'CN=cucm-pub',
      serial: Buffer.from([1, 2, 3]),
    }),
    garbage: Buffer.from('GET / HTTP/1.1\r\n'),
    code: 'tvs.bad-protocol-id',
  },
  {
    name: 'CAPF',
    make: capfFramer,
    frame: encodeCapf(authRequest(77)),
    garbage: Buffer.from('\x16\x03\x01\x02\x00garbage'),
    code: 'capf.bad-protocol-id',
  },
  {
    name: 'SCCP',
    make: sccpFramer,
    frame: encodeSccp({ type: 'KeepAlive' }),
    garbage: Buffer.from([0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 1, 0, 0, 0]),
    code: 'sccp.bad-length',
  },
  {
    name: 'SIP',
    make: () => new SipFramer(),
    frame: encodeSip(options),
    garbage: Buffer.from('\x16\x03\x01 garbage\r\n\r\n'),
    code: 'sip.bad-stream',
  },
];

describe.each(cases)('$name framer: segmentation does not change the outcome', (c) => {
  const wire = Buffer.concat([c.frame, c.garbage]);

  it('a valid frame and garbage in one chunk: the frame is delivered, then the error', () => {
    const out = feed(c.make, wire, []);
    expect(out.map((r) => r.ok)).toEqual([true, false]);
    expect(out[1]).toMatchObject({ ok: false, error: { code: c.code, offset: c.frame.length } });
  });

  it('the same bytes in two writes, or byte by byte, give the same results as one chunk', () => {
    const whole = feed(c.make, wire, []);
    expect(feed(c.make, wire, [c.frame.length])).toEqual(whole);
    expect(feed(c.make, wire, [3])).toEqual(whole);
    const bytes = Array.from({ length: wire.length - 1 }, (_, i) => i + 1);
    expect(feed(c.make, wire, bytes)).toEqual(whole);
  });

  it('two frames then garbage in one chunk: both frames, then the error', () => {
    const out = feed(c.make, Buffer.concat([c.frame, c.frame, c.garbage]), []);
    expect(out.map((r) => r.ok)).toEqual([true, true, false]);
  });
});

describe('SIP framer: the header limit does not depend on segmentation', () => {
  const huge: SipRequest = {
    ...options,
    headers: options.headers.map(([n, v]) => (n === 'To' ? [n, `<sip:${'a'.repeat(60_000)}@x>`] : [n, v])),
  };

  it('a 60 KB header block in one write is refused like the same bytes in 1 KB writes', () => {
    const wire = encodeSip(huge);
    const whole = feed(() => new SipFramer(), wire, []);
    expect(whole).toEqual([
      { ok: false, error: expect.objectContaining({ code: 'sip.bad-stream', offset: 0 }) },
    ]);
    const cuts = Array.from({ length: Math.floor(wire.length / 1024) }, (_, i) => (i + 1) * 1024);
    expect(feed(() => new SipFramer(), wire, cuts)).toEqual(whole);
  });

  it('a header block of exactly the limit is accepted, whole and in chunks', () => {
    const base = encodeSip(options).length - 4; // head length without the blank line
    const pad = SIP_MAX_HEADER_BYTES - base - '\r\nX-Pad: '.length;
    const exact: SipRequest = { ...options, headers: [...options.headers, ['X-Pad', 'p'.repeat(pad)]] };
    const wire = encodeSip(exact);
    expect(wire.indexOf('\r\n\r\n')).toBe(SIP_MAX_HEADER_BYTES);
    const whole = feed(() => new SipFramer(), wire, []);
    expect(whole.map((r) => r.ok)).toEqual([true]);
    expect(feed(() => new SipFramer(), wire, [SIP_MAX_HEADER_BYTES - 1, SIP_MAX_HEADER_BYTES + 2])).toEqual(
      whole,
    );
    const over = encodeSip({ ...exact, headers: [...options.headers, ['X-Pad', 'p'.repeat(pad + 1)]] });
    expect(feed(() => new SipFramer(), over, []).map((r) => r.ok)).toEqual([false]);
    expect(feed(() => new SipFramer(), over, [SIP_MAX_HEADER_BYTES + 1]).map((r) => r.ok)).toEqual([false]);
  });
});
