// Deterministic randomness for lab PKI (architecture decision 5): serial numbers, CAPF and SAST
// name suffixes and the like come from SHA-256 in counter mode over a seed string, so the same
// scenario seed gives the same names and serials on every run.
import { createHash } from 'node:crypto';

export class SeededRandom {
  readonly seed: string;
  private counter = 0;
  private buffer: Buffer = Buffer.alloc(0);

  constructor(seed: string) {
    this.seed = seed;
  }

  /** An independent stream for one purpose: the same (seed, label) always gives the same stream. */
  fork(label: string): SeededRandom {
    return new SeededRandom(`${this.seed}/${label}`);
  }

  bytes(n: number): Buffer {
    while (this.buffer.length < n) {
      const block = createHash('sha256')
        .update(`${this.seed}\u0000${this.counter++}`)
        .digest();
      this.buffer = Buffer.concat([this.buffer, block]);
    }
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return Buffer.from(out);
  }

  /** Lower-case hex string of `nBytes` random bytes (2 characters per byte). */
  hex(nBytes: number): string {
    return this.bytes(nBytes).toString('hex');
  }

  /** An integer in [0, max). */
  int(max: number): number {
    if (max <= 0 || !Number.isInteger(max)) throw new RangeError(`max must be a positive integer: ${max}`);
    return this.bytes(6).readUIntBE(0, 6) % max;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }

  /**
   * A positive DER INTEGER serial of `nBytes` bytes as hex: top bit clear (positive) and the
   * first byte non-zero (minimal encoding, so the length CUCM prints, e.g. SERIALNUMBER 16, holds).
   */
  serialHex(nBytes = 16): string {
    const b = this.bytes(nBytes);
    b[0] = ((b[0] ?? 0) & 0x7f) | 0x10;
    return b.toString('hex');
  }
}

/** Stable 32-bit hash of a string, for mapping labels to pool slots. */
export function hashToIndex(text: string, modulo: number): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) % modulo;
}
