/**
 * Parsers broken on purpose, for the harness's own tests: each detector must catch its defect.
 * (Not test files: the CLI test loads `hangs` from this module by path.)
 */
import type { FuzzTarget, Pushable } from './target.ts';

const seeds = async () => [
  Buffer.from([3, 1, 2, 3, 2, 4, 5]),
  Buffer.from([1, 9]),
  Buffer.from([0x7f, 0, 0]),
];

/** Throws (a bare TypeError, not a Result) when the first byte is 0x2a. */
export const throws: FuzzTarget = {
  name: 'toy-throws',
  description: 'throws on a leading 0x2a',
  maxLength: 256,
  seeds: async () => [...(await seeds()), Buffer.from([0x2a, 1])],
  parse: (b) => {
    if (b[0] === 0x2a) throw new TypeError('toy: cannot read 0x2a');
    return b.length > 0 ? { ok: true } : { ok: false, error: { code: 'toy.empty', message: 'empty' } };
  },
};

/**
 * Frames are `[length u8][payload]`; length 0xff is garbage. Like the framers before the fix, a push
 * that meets garbage returns only the error and drops the frames completed in the same chunk.
 */
class DroppingFramer implements Pushable {
  private buf = Buffer.alloc(0);
  private bad = false;
  push(chunk: Buffer) {
    if (this.bad) return [{ ok: false, error: { code: 'toy.garbage', message: 'garbage' } }];
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: { ok: boolean; value?: Buffer; error?: { code: string; message: string } }[] = [];
    while (this.buf.length >= 1) {
      const n = this.buf[0]!;
      if (n === 0xff) {
        this.bad = true;
        return [{ ok: false, error: { code: 'toy.garbage', message: 'garbage' } }];
      }
      if (this.buf.length < 1 + n) break;
      out.push({ ok: true, value: Buffer.from(this.buf.subarray(1, 1 + n)) });
      this.buf = this.buf.subarray(1 + n);
    }
    return out;
  }
}

export const drops: FuzzTarget = {
  name: 'toy-drops',
  description: 'framer that drops frames before garbage',
  maxLength: 256,
  tokens: ['\xff'],
  seeds,
  parse: () => ({ ok: true }),
  framer: () => new DroppingFramer(),
};

/** Busy for 30 ms when the first byte is 0x7f. */
export const slow: FuzzTarget = {
  name: 'toy-slow',
  description: 'slow on a leading 0x7f',
  maxLength: 256,
  seeds,
  parse: (b) => {
    if (b[0] === 0x7f) {
      const until = performance.now() + 30;
      while (performance.now() < until) {
        /* busy */
      }
    }
    return { ok: true };
  },
};

/** Never returns on the seed `7f 00 00` itself: only a watchdog that kills the thread gets past it. */
export const hangs: FuzzTarget = {
  name: 'toy-hangs',
  description: 'hangs on one of its seeds',
  maxLength: 256,
  seeds,
  parse: (b) => {
    while (b.length === 3 && b[0] === 0x7f && b[1] === 0 && b[2] === 0) {
      /* forever */
    }
    return { ok: true };
  },
};
