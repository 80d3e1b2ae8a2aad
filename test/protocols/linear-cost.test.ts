/**
 * Work stays linear in what a peer sends. Each budget is measured against a baseline in the same run
 * (the same number of bytes, in inputs of a size where quadratic work does not show), never a fixed
 * number of milliseconds: the machine may be loaded, the ratio is what a quadratic algorithm breaks.
 */
import { describe, expect, it } from 'vitest';
import { capfFramer, encodeCapf } from '../../devices/protocols/capf.ts';
import type { MessageFramer } from '../../devices/protocols/framer.ts';
import { encodeSccp, sccpFramer } from '../../devices/protocols/sccp.ts';
import {
  buildResponse,
  encodeSip,
  headerParam,
  SipFramer,
  type SipRequest,
} from '../../devices/protocols/sip.ts';
import { encodeTvs, tvsFramer } from '../../devices/protocols/tvs.ts';

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/**
 * `big` handles one input of n bytes, `small` handles k inputs of n/k bytes: the same bytes. Linear
 * work costs about the same; quadratic work costs up to k times more. The budget allows 3× (k is 64).
 * The two are measured in alternation, best of up to 5 rounds, so that a load burst on the machine
 * hits both; a linear implementation passes at the first round that is not disturbed.
 */
function expectLinear(small: () => void, big: () => void): void {
  small();
  big(); // warm up both paths
  let base = Number.POSITIVE_INFINITY;
  let cost = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    base = Math.min(base, time(small));
    cost = Math.min(cost, time(big));
    if (cost < 3 * base + 2) break;
  }
  expect(
    cost,
    `big input ${cost.toFixed(1)} ms vs same bytes in small inputs ${base.toFixed(1)} ms`,
  ).toBeLessThan(3 * base + 2);
}

const K = 64;

function byteByByte(make: () => Pick<MessageFramer<unknown>, 'push'>, wire: Buffer): void {
  const f = make();
  let n = 0;
  for (let i = 0; i < wire.length; i++) n += f.push(wire.subarray(i, i + 1)).length;
  if (n !== 1) throw new Error(`expected one message, got ${n}`);
}

function sipWithTo(to: string): SipRequest {
  return {
    kind: 'request',
    method: 'OPTIONS',
    uri: 'sip:cucm-pub:5061',
    headers: [
      ['Via', 'SIP/2.0/TLS 127.0.0.9:5061;branch=z9hG4bK1'],
      ['From', '<sip:app@127.0.0.9>;tag=1'],
      ['To', to],
      ['Call-ID', 'c1@127.0.0.9'],
      ['CSeq', '101 OPTIONS'],
    ],
    body: Buffer.alloc(0),
  };
}

describe('SIP header parameters are found in linear time', () => {
  it('a 60 KB To header of unclosed "<" costs what the same bytes in 64 short headers cost', () => {
    const big = `${'<'.repeat(60_000)};tag=x`;
    const small = `${'<'.repeat(Math.floor(60_000 / K))};tag=x`;
    expectLinear(
      () => {
        for (let i = 0; i < K; i++) headerParam(small, 'tag');
      },
      () => headerParam(big, 'tag'),
    );
    expect(headerParam(big, 'tag')).toBe('x');
  });

  it('answering a request whose To header is 16 KB of "<" (the largest the framer lets in) stays linear', () => {
    const big = sipWithTo('<'.repeat(16_000));
    const small = sipWithTo('<'.repeat(Math.floor(16_000 / K)));
    expectLinear(
      () => {
        for (let i = 0; i < K; i++) buildResponse(small, 200, 'OK', [], { toTag: 'a' });
      },
      () => buildResponse(big, 200, 'OK', [], { toTag: 'a' }),
    );
  });
});

describe('stream framers accumulate in linear time', () => {
  const tvs = (n: number) =>
    encodeTvs({ type: 'CERT_VERIFICATION_REQ', sessionId: 1, deviceName: 'x', certificate: Buffer.alloc(n) });
  const capf = (n: number) =>
    encodeCapf({ command: 'KEY_GENERATE_RESPONSE', sessionId: 1, elements: { publicKey: Buffer.alloc(n) } });
  const sccp = (n: number) => encodeSccp({ type: 'Other', messageId: 0x99, body: Buffer.alloc(n) });
  const sip = (n: number) => encodeSip({ ...sipWithTo('<sip:a@b>'), body: Buffer.alloc(n, 0x61) });

  it.each([
    { name: 'TVS', make: tvsFramer, frame: tvs, size: 64_000 },
    { name: 'CAPF', make: capfFramer, frame: capf, size: 64_000 },
    { name: 'SCCP', make: sccpFramer, frame: sccp, size: 8_000 },
    { name: 'SIP', make: () => new SipFramer(), frame: sip, size: 64_000 },
  ])('a $size-byte $name frame in one-byte chunks costs what 64 frames of 1/64 the size cost', (c) => {
    const big = c.frame(c.size);
    const small = c.frame(Math.floor(c.size / K));
    expectLinear(
      () => {
        for (let i = 0; i < K; i++) byteByByte(c.make, small);
      },
      () => byteByByte(c.make, big),
    );
  });

  it('a SIP header block arriving byte by byte is searched once, not once per byte', () => {
    // Short header lines: a CRLF every 5 bytes makes every search for the blank line work.
    const lines = (n: number): SipRequest => {
      const m = sipWithTo('<sip:a@b>');
      return {
        ...m,
        headers: [...m.headers, ...Array.from({ length: n }, (): [string, string] => ['X', '1'])],
      };
    };
    const big = encodeSip(lines(2500));
    const small = encodeSip(lines(Math.floor(2500 / K)));
    expectLinear(
      () => {
        for (let i = 0; i < K; i++) byteByByte(() => new SipFramer(), small);
      },
      () => byteByByte(() => new SipFramer(), big),
    );
  });
});
