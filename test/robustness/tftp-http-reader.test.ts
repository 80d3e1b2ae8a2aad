/**
 * Port 6970's request reader (devices/cucm/tftp-http.ts) gives the same requests whatever the
 * segmentation, and its work stays linear in the bytes received: a head arriving one byte per write
 * is not re-copied whole on every byte. The time budget is a ratio measured in the same run (the same
 * bytes as many short heads, where quadratic work does not show), never a fixed number of ms.
 */
import { describe, expect, it } from 'vitest';
import { HttpRequestReader, MAX_HEAD_BYTES, type ReaderItem } from '../../devices/cucm/tftp-http.ts';

function request(filler: number): Buffer {
  return Buffer.from(
    `GET /ITLFile.tlv HTTP/1.1\r\nHost: cucm-pub:6970\r\nX-Filler: ${'a'.repeat(filler)}\r\n\r\n`,
    'latin1',
  );
}

function byteByByte(wire: Buffer): ReaderItem[] {
  const r = new HttpRequestReader();
  const out: ReaderItem[] = [];
  for (let i = 0; i < wire.length; i++) out.push(...r.push(wire.subarray(i, i + 1)));
  return out;
}

function whole(wire: Buffer): ReaderItem[] {
  return new HttpRequestReader().push(wire);
}

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

describe('port 6970 request reader', () => {
  it('a request split into one-byte writes gives the same request as the request whole', () => {
    const wire = Buffer.concat([
      Buffer.from('POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nGET /'),
      request(200),
      request(10),
    ]);
    const expected = whole(wire);
    expect(expected.map((i) => (i.kind === 'request' ? i.head.method : i.status))).toEqual([
      'POST',
      'GET',
      'GET',
    ]);
    expect(byteByByte(wire)).toEqual(expected);
  });

  it('a 16 KB head is refused with 431 at the same byte, whole or one byte at a time', () => {
    const wire = request(MAX_HEAD_BYTES);
    expect(whole(wire)).toEqual([{ kind: 'refuse', status: 431, reason: 'Request Header Fields Too Large' }]);
    expect(byteByByte(wire)).toEqual(whole(wire));
  });

  it('a head of nearly 16 KB in one-byte writes costs what the same bytes in 64 short heads cost', () => {
    const K = 64;
    const big = request(MAX_HEAD_BYTES - 200);
    const small = request(Math.floor((MAX_HEAD_BYTES - 200) / K));
    const smallRun = () => {
      for (let i = 0; i < K; i++) if (byteByByte(small).length !== 1) throw new Error('no request');
    };
    const bigRun = () => {
      if (byteByByte(big).length !== 1) throw new Error('no request');
    };
    smallRun();
    bigRun();
    // Alternated, best of up to 5 rounds, so that a load burst on the machine hits both.
    let base = Number.POSITIVE_INFINITY;
    let cost = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 5; round++) {
      base = Math.min(base, time(smallRun));
      cost = Math.min(cost, time(bigRun));
      if (cost < 3 * base + 2) break;
    }
    expect(
      cost,
      `big head ${cost.toFixed(1)} ms vs the same bytes in short heads ${base.toFixed(1)} ms`,
    ).toBeLessThan(3 * base + 2);
  });
});
