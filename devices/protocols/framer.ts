/**
 * Stream framing for the length-prefixed protocols that run over TCP/TLS (TVS, CAPF, SCCP).
 *
 * TCP delivers bytes, not messages: one `data` event may hold half a header, or three messages and a
 * bit. A framer accumulates chunks and hands back whole frames. A header that cannot be right (wrong
 * protocol id, length over the limit) poisons the framer: after garbage there is no way to find the
 * next frame boundary, so every later push reports the same error and the caller closes the connection.
 *
 * Two properties hold whatever the segmentation (tested, and fuzzed in test/fuzz):
 * - The same bytes give the same frames and the same error, in the same order, whether they arrive in
 *   one chunk or byte by byte: the frames that precede garbage are delivered, then the error. A peer
 *   that sends a valid request and garbage in one TLS record gets the same answer as one that sends
 *   them in two records.
 * - The work is linear in the bytes received: chunks are appended to a growing buffer (amortised
 *   doubling), never re-copied whole on every chunk.
 */
import { err, type FormatError, formatError as formatErr, ok, type Result } from '../../emulator/result.ts';

/**
 * A byte queue with amortised O(1) append and O(n) take: the accumulation under every stream framer.
 * `view()` is valid until the next `append`.
 */
const EMPTY = Buffer.alloc(0);

export class ByteQueue {
  private buf: Buffer = EMPTY;
  private start = 0;
  private end = 0;

  get length(): number {
    return this.end - this.start;
  }

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.end + chunk.length > this.buf.length) {
      const live = this.length;
      const need = live + chunk.length;
      if (need <= this.buf.length && this.start >= live) {
        // Compact: the bytes moved are fewer than the bytes already consumed, so this stays linear.
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2, 256));
        this.buf.copy(grown, 0, this.start, this.end);
        this.buf = grown;
      }
      this.start = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** The bytes held, without copying. */
  view(): Buffer {
    return this.buf.subarray(this.start, this.end);
  }

  /** Removes and returns (a copy of) the first `n` bytes. */
  take(n: number): Buffer {
    const out = Buffer.from(this.buf.subarray(this.start, this.start + n));
    this.skip(n);
    return out;
  }

  /** Drops the first `n` bytes. */
  skip(n: number): void {
    this.start = Math.min(this.start + n, this.end);
    if (this.start === this.end) this.clear();
  }

  clear(): void {
    this.start = 0;
    this.end = 0;
    // An idle connection holds no buffer: a small one is a slice of Node's shared 8 KB allocation pool
    // and pins that whole slab (measured: 8 KB per idle SIP or SCCP connection end), a burst's big one
    // pins itself. The next chunk allocates afresh, from the pool.
    this.buf = EMPTY;
  }
}

export interface FrameSpec {
  /** Format name used in errors, e.g. `tvs`. */
  readonly format: string;
  /** Bytes needed before `frameLength` can be called. */
  readonly headerLength: number;
  /** Total frame length (header included) read from a complete header, or why the header is garbage. */
  frameLength(header: Buffer): Result<number, FormatError>;
}

/** What one push completed: the whole frames, in order, then the framing error if the stream broke. */
export interface Framed {
  frames: Buffer[];
  error?: FormatError;
}

export class StreamFramer {
  private readonly queue = new ByteQueue();
  /** Stream offset of the first byte held, so that errors name the byte in the connection. */
  private consumed = 0;
  private poisoned: FormatError | undefined;

  constructor(private readonly spec: FrameSpec) {}

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.queue.length;
  }

  /** The error that stopped this framer, if any. */
  get error(): FormatError | undefined {
    return this.poisoned;
  }

  /**
   * Adds a chunk; returns the whole frames it completed and, when the stream turned to garbage, the
   * framing error after them (sticky: every later push returns no frames and the same error).
   */
  push(chunk: Uint8Array): Framed {
    if (this.poisoned) return { frames: [], error: this.poisoned };
    this.queue.append(chunk);
    const frames: Buffer[] = [];
    const { headerLength } = this.spec;
    while (this.queue.length >= headerLength) {
      const len = this.spec.frameLength(this.queue.view().subarray(0, headerLength));
      if (!len.ok) {
        this.poisoned = { ...len.error, offset: len.error.offset + this.consumed };
        this.queue.clear();
        return { frames, error: this.poisoned };
      }
      if (this.queue.length < len.value) break;
      frames.push(this.queue.take(len.value));
      this.consumed += len.value;
    }
    return { frames };
  }
}

/**
 * A framer that also decodes each frame. `push` returns one result per completed frame, in order;
 * a framing error ends the list (and every later push returns just that error).
 */
export class MessageFramer<T> {
  private readonly framer: StreamFramer;

  constructor(
    spec: FrameSpec,
    private readonly decode: (frame: Buffer) => Result<T, FormatError>,
  ) {
    this.framer = new StreamFramer(spec);
  }

  get buffered(): number {
    return this.framer.buffered;
  }

  push(chunk: Uint8Array): Result<T, FormatError>[] {
    const { frames, error } = this.framer.push(chunk);
    const out: Result<T, FormatError>[] = frames.map((f) => this.decode(f));
    if (error) out.push(err(error));
    return out;
  }
}

/** A tag (1 byte) / length (2 bytes BE) / value element, as CAPF (docs/reference/capf.md §3) and TVS (docs/reference/tvs.md §3) use. */
export interface Tlv {
  tag: number;
  value: Buffer;
}

export function encodeTlvs(tlvs: readonly Tlv[]): Buffer {
  const parts: Buffer[] = [];
  for (const t of tlvs) {
    if (t.value.length > 0xffff) throw new RangeError(`TLV ${t.tag} value too long (${t.value.length})`);
    const h = Buffer.alloc(3);
    h.writeUInt8(t.tag, 0);
    h.writeUInt16BE(t.value.length, 1);
    parts.push(h, t.value);
  }
  return Buffer.concat(parts);
}

/** Splits a TLV list. `base` is the offset of `buf[0]` in the whole message, for error offsets. */
export function decodeTlvs(format: string, buf: Buffer, base: number): Result<Tlv[], FormatError> {
  const out: Tlv[] = [];
  let o = 0;
  while (o < buf.length) {
    if (buf.length - o < 3) {
      return err(
        formatErr(format, base + o, 'truncated', `element header needs 3 bytes, ${buf.length - o} left`),
      );
    }
    const tag = buf.readUInt8(o);
    const len = buf.readUInt16BE(o + 1);
    if (o + 3 + len > buf.length) {
      return err(
        formatErr(
          format,
          base + o,
          'truncated',
          `element ${tag} claims ${len} bytes, ${buf.length - o - 3} left`,
        ),
      );
    }
    out.push({ tag, value: Buffer.from(buf.subarray(o + 3, o + 3 + len)) });
    o += 3 + len;
  }
  return ok(out);
}
