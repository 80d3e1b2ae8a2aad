/**
 * Stream framing for the length-prefixed protocols that run over TCP/TLS (TVS, CAPF, SCCP).
 *
 * TCP delivers bytes, not messages: one `data` event may hold half a header, or three messages and a
 * bit. A framer accumulates chunks and hands back whole frames. A header that cannot be right (wrong
 * protocol id, length over the limit) poisons the framer: after garbage there is no way to find the
 * next frame boundary, so every later push reports the same error and the caller closes the connection.
 */
import { err, type FormatError, formatError as formatErr, ok, type Result } from '../../emulator/result.ts';

export interface FrameSpec {
  /** Format name used in errors, e.g. `tvs`. */
  readonly format: string;
  /** Bytes needed before `frameLength` can be called. */
  readonly headerLength: number;
  /** Total frame length (header included) read from a complete header, or why the header is garbage. */
  frameLength(header: Buffer): Result<number, FormatError>;
}

export class StreamFramer {
  private buffer: Buffer = Buffer.alloc(0);
  /** Stream offset of `buffer[0]`, so that errors name the byte in the connection. */
  private consumed = 0;
  private poisoned: FormatError | undefined;

  constructor(private readonly spec: FrameSpec) {}

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.buffer.length;
  }

  /** The error that stopped this framer, if any. */
  get error(): FormatError | undefined {
    return this.poisoned;
  }

  /** Adds a chunk; returns the whole frames it completed, or the framing error (sticky). */
  push(chunk: Buffer): Result<Buffer[], FormatError> {
    if (this.poisoned) return err(this.poisoned);
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: Buffer[] = [];
    while (this.buffer.length >= this.spec.headerLength) {
      const len = this.spec.frameLength(this.buffer.subarray(0, this.spec.headerLength));
      if (!len.ok) {
        this.poisoned = { ...len.error, offset: len.error.offset + this.consumed };
        this.buffer = Buffer.alloc(0);
        return err(this.poisoned);
      }
      if (this.buffer.length < len.value) break;
      frames.push(Buffer.from(this.buffer.subarray(0, len.value)));
      this.buffer = this.buffer.subarray(len.value);
      this.consumed += len.value;
    }
    return ok(frames);
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

  push(chunk: Buffer): Result<T, FormatError>[] {
    const frames = this.framer.push(chunk);
    if (!frames.ok) return [frames];
    return frames.value.map((f) => this.decode(f));
  }
}

/** A tag (1 byte) / length (2 bytes BE) / value element, as CAPF (cisco-formats §3.2) and TVS (§4.2) use. */
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
