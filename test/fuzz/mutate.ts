/**
 * Input generation. fast-check draws a small genome per input (a strategy, two PRNG words, a few bytes
 * of insertion material it biases toward edge values, a chunking word); `expand` turns it into bytes
 * and chunk cuts from the target's own valid encodings. Drawing the genome and not the whole input
 * keeps a run at a few microseconds per input (a full fast-check structure cost 70 µs), and a seed
 * still replays every input exactly.
 */
import fc from 'fast-check';

export type Genome = [strategy: number, a: number, b: number, material: Uint8Array, chunking: number];

export const genomeArb: fc.Arbitrary<Genome> = fc.tuple(
  fc.nat({ max: 999 }),
  fc.nat(),
  fc.nat(),
  fc.uint8Array({ maxLength: 24 }),
  fc.nat(),
);

/** mulberry32: small and fast; the genome's words seed it. */
function prng(a: number, b: number): () => number {
  let s = (a ^ Math.imul(b, 0x9e3779b1)) >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export interface Corpus {
  readonly seeds: readonly Buffer[];
  readonly tokens: readonly Buffer[];
  readonly maxLength: number;
}

export interface Generated {
  bytes: Buffer;
  /** The same bytes cut into chunks, for the stream framers. */
  chunks: Buffer[];
}

const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff];
const INTERESTING_16 = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x7fff, 0x8000, 0xfffe, 0xffff];
const INTERESTING_32 = [
  0, 1, 3, 4, 8, 0x7f, 0x1fff, 0x2000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
];

type Rnd = () => number;
const int = (r: Rnd, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rnd, xs: readonly T[]): T => xs[int(r, xs.length)]!;

function mutateOnce(r: Rnd, b: Buffer, c: Corpus, material: Uint8Array): Buffer {
  const pos = int(r, b.length + 1);
  const at = Math.min(pos, Math.max(0, b.length - 1));
  switch (int(r, 12)) {
    case 0: // flip a bit
      if (b.length) b[at] = b[at]! ^ (1 << int(r, 8));
      return b;
    case 1: // a random or edge byte
      if (b.length) b[at] = r() < 0.5 ? int(r, 256) : pick(r, INTERESTING_8);
      return b;
    case 2: {
      // an edge 16-bit value, either byte order (length fields)
      if (b.length < 2) return b;
      const o = Math.min(at, b.length - 2);
      const v = pick(r, INTERESTING_16);
      if (r() < 0.5) b.writeUInt16BE(v, o);
      else b.writeUInt16LE(v, o);
      return b;
    }
    case 3: {
      if (b.length < 4) return b;
      const o = Math.min(at, b.length - 4);
      const v = pick(r, INTERESTING_32);
      if (r() < 0.5) b.writeUInt32BE(v, o);
      else b.writeUInt32LE(v, o);
      return b;
    }
    case 4: // fast-check's material
      return Buffer.concat([b.subarray(0, pos), material, b.subarray(pos)]);
    case 5: // a token of the format
      if (!c.tokens.length) return b;
      return Buffer.concat([b.subarray(0, pos), pick(r, c.tokens), b.subarray(pos)]);
    case 6: {
      // delete a range
      const len = 1 + int(r, Math.min(64, Math.max(1, b.length - pos)));
      return Buffer.concat([b.subarray(0, pos), b.subarray(pos + len)]);
    }
    case 7: {
      // repeat a short range many times: superlinear work shows on long repeats
      const len = 1 + int(r, 8);
      const piece = b.subarray(pos, pos + len);
      if (!piece.length) return b;
      const times = 1 + int(r, r() < 0.005 ? Math.floor(c.maxLength / piece.length) : 64);
      return Buffer.concat([b.subarray(0, pos), Buffer.alloc(piece.length * times, piece), b.subarray(pos)]);
    }
    case 8: // truncate
      return b.subarray(0, pos);
    case 9: {
      // splice in a slice of another seed
      const other = pick(r, c.seeds);
      const from = int(r, other.length);
      const slice = other.subarray(from, from + 1 + int(r, 256));
      return Buffer.concat([b.subarray(0, pos), slice, b.subarray(pos)]);
    }
    case 10: {
      // swap two bytes far apart
      if (b.length < 2) return b;
      const j = int(r, b.length);
      const t = b[at]!;
      b[at] = b[j]!;
      b[j] = t;
      return b;
    }
    default: {
      // overwrite with random bytes
      const len = Math.min(b.length - at, 1 + int(r, 16));
      for (let i = 0; i < len; i++) b[at + i] = int(r, 256);
      return b;
    }
  }
}

function mutated(r: Rnd, c: Corpus, material: Uint8Array): Buffer {
  let b: Buffer = Buffer.from(pick(r, c.seeds));
  const n = 1 + Math.floor(-Math.log(1 - r() * 0.999) * 1.5); // geometric, mostly 1-3
  for (let i = 0; i < n && b.length <= c.maxLength; i++) b = mutateOnce(r, b, c, material);
  return b;
}

function bytesFrom(r: Rnd, g: Genome, c: Corpus): Buffer {
  const [strategy, , , material] = g;
  if (strategy < 600) return mutated(r, c, material);
  if (strategy < 700) {
    // several messages back to back, one perhaps mutated, perhaps garbage after them
    const parts: Buffer[] = [];
    const n = 1 + int(r, 4);
    for (let i = 0; i < n; i++)
      parts.push(r() < 0.3 ? mutated(r, c, material) : Buffer.from(pick(r, c.seeds)));
    if (r() < 0.5) parts.push(Buffer.from(material));
    return Buffer.concat(parts);
  }
  if (strategy < 800) {
    // random bytes, sometimes behind a valid prefix
    const prefix = r() < 0.5 ? pick(r, c.seeds).subarray(0, int(r, 16)) : Buffer.alloc(0);
    const body = Buffer.alloc(int(r, 600));
    for (let i = 0; i < body.length; i++) body[i] = int(r, 256);
    return Buffer.concat([prefix, body]);
  }
  if (strategy < 900) {
    // a valid encoding, whole or cut short
    const s = pick(r, c.seeds);
    return Buffer.from(r() < 0.3 ? s : s.subarray(0, int(r, s.length + 1)));
  }
  // a token or a slice of a seed repeated, now and then up to the size limit, inside a seed
  const s = pick(r, c.seeds);
  const piece =
    c.tokens.length && r() < 0.5
      ? pick(r, c.tokens)
      : s.subarray(int(r, s.length), undefined).subarray(0, 1 + int(r, 6));
  if (!piece.length) return Buffer.from(s);
  const limit = r() < 0.9 ? 4096 : c.maxLength;
  const times = Math.max(1, Math.floor((limit * r()) / piece.length));
  const at = int(r, s.length + 1);
  return Buffer.concat([s.subarray(0, at), Buffer.alloc(piece.length * times, piece), s.subarray(at)]);
}

function chunksOf(bytes: Buffer, chunking: number): Buffer[] {
  const r = prng(chunking, 0x51ed);
  if (bytes.length <= 1024 && r() < 0.03) return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
  const n = 1 + int(r, 16);
  const cuts = Array.from({ length: n - 1 }, () => int(r, bytes.length + 1)).sort((x, y) => x - y);
  const out: Buffer[] = [];
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    out.push(bytes.subarray(from, to));
    from = to;
  }
  return out;
}

/** The input a genome stands for. Deterministic: the same genome and corpus give the same bytes. */
export function expand(g: Genome, c: Corpus): Generated {
  const r = prng(g[1], g[2]);
  let bytes = bytesFrom(r, g, c);
  if (bytes.length > c.maxLength) bytes = bytes.subarray(0, c.maxLength);
  return { bytes, chunks: chunksOf(bytes, g[4]) };
}
