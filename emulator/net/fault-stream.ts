/**
 * A byte stream under stream faults (latency with jitter, bandwidth, reset after N bytes, stall): a
 * Duplex in front of the accepted stream, so the device (and node:tls over it) sees the damaged
 * traffic and the peer sees the damaged answers. Only connections a fault is on get one: the others
 * keep the transport's own stream (no cost for fleets).
 *
 * Each direction is a lane: chunks leave in the order they came, each held `latency ± jitter` (never
 * overtaking the one before, as TCP delivers in order) and, under a bandwidth limit, paced in slices of
 * 1/20 s worth of bytes. A reset sends a TCP RST to the peer (`resetAndDestroy`) and ends the device's
 * end with ECONNRESET, as a real reset does.
 */
import { Duplex } from 'node:stream';
import type { Endpoint } from '../events.ts';
import type { StreamEffect } from './fault-spec.ts';
import type { ActiveFault } from './faults.ts';
import type { RawStream } from './transport.ts';

type Item = { kind: 'data'; chunk: Buffer } | { kind: 'end' } | { kind: 'close' } | { kind: 'reset' };

/** One direction of a faulty stream: ordered, delayed, paced. */
class Lane {
  #queue: { due: number; item: Item }[] = [];
  #timer: NodeJS.Timeout | null = null;
  #lastDue = 0;

  constructor(
    private readonly delay: () => number,
    private readonly bytesPerSecond: number | null,
    private readonly deliver: (item: Item) => void,
  ) {}

  push(item: Item): void {
    const d = this.delay();
    if (d === 0 && this.bytesPerSecond === null && this.#queue.length === 0) {
      this.deliver(item);
      return;
    }
    let due = Math.max(Date.now() + d, this.#lastDue);
    const rate = this.bytesPerSecond;
    if (item.kind === 'data' && rate !== null) {
      const slice = Math.max(1, Math.ceil(rate / 20));
      for (let at = 0; at < item.chunk.length; at += slice) {
        const part = item.chunk.subarray(at, at + slice);
        due += (part.length / rate) * 1000;
        this.#queue.push({ due, item: { kind: 'data', chunk: part } });
      }
    } else {
      this.#queue.push({ due, item });
    }
    this.#lastDue = due;
    this.#schedule();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#queue = [];
  }

  #schedule(): void {
    const head = this.#queue[0];
    if (this.#timer || !head) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        const now = Date.now();
        while (this.#queue.length > 0 && (this.#queue[0]?.due ?? 0) <= now) {
          const next = this.#queue.shift();
          if (next) this.deliver(next.item);
        }
        this.#schedule();
      },
      Math.max(0, head.due - Date.now()),
    );
  }
}

/** What a faulty stream reports: the fault, what it did, a sentence. */
export type EffectSink = (f: ActiveFault, effect: StreamEffect, detail: string) => void;

function resetError(): NodeJS.ErrnoException {
  return Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
}

export class FaultyStream extends Duplex implements RawStream {
  readonly #inner: RawStream;
  readonly #up: Lane;
  readonly #down: Lane;
  readonly #stalled: ActiveFault | null;
  readonly #resetBy: ActiveFault | null;
  readonly #report: EffectSink;
  /** Bytes left before the reset (null: no reset fault). */
  #budget: number | null;
  #resetQueued = false;

  constructor(inner: RawStream, faults: readonly ActiveFault[], report: EffectSink) {
    super({ allowHalfOpen: false });
    this.#inner = inner;
    let ms = 0;
    let jitter = 0;
    let rate: number | null = null;
    let jitterSource: ActiveFault | null = null;
    let reset: ActiveFault | null = null;
    let stall: ActiveFault | null = null;
    for (const f of faults) {
      const s = f.spec;
      if (s.kind === 'latency') {
        ms += s.ms;
        jitter += s.jitterMs ?? 0;
        if (s.jitterMs) jitterSource = f;
      } else if (s.kind === 'bandwidth') {
        rate = rate === null ? s.bytesPerSecond : Math.min(rate, s.bytesPerSecond);
      } else if (s.kind === 'reset-after') {
        if (!reset || s.bytes < (reset.spec as { bytes: number }).bytes) reset = f;
      } else if (s.kind === 'stall') {
        stall = f;
      }
    }
    this.#stalled = stall;
    this.#resetBy = reset;
    this.#budget = reset ? (reset.spec as { bytes: number }).bytes : null;
    const src = jitterSource;
    const delay = () => (src ? Math.max(0, ms + (src.random() * 2 - 1) * jitter) : ms);
    this.#up = new Lane(delay, rate, (item) => this.#deliverUp(item));
    this.#down = new Lane(delay, rate, (item) => this.#deliverDown(item));
    this.#report = report;

    for (const f of faults) {
      const k = f.spec.kind;
      if (k === 'stall') report(f, 'stalled', 'accepted; nothing passes either way');
      if (k === 'latency' || k === 'bandwidth') report(f, 'slowed', 'connection under the fault');
    }

    inner.on('data', (chunk: Buffer) => this.#admit(chunk, this.#up));
    inner.on('end', () => {
      if (!this.#stalled) this.#up.push({ kind: 'end' });
    });
    inner.on('close', () => {
      if (this.#stalled) this.destroy();
      else this.#up.push({ kind: 'close' });
    });
    inner.on('error', (e: Error) => this.destroy(e));
  }

  get remoteAddress(): string | undefined {
    return this.#inner.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.#inner.remotePort;
  }
  get localAddress(): string | undefined {
    return this.#inner.localAddress;
  }
  get localPort(): number | undefined {
    return this.#inner.localPort;
  }

  /** The inactivity timer is the real socket's: what the wire carries counts, not what the fault holds. */
  setTimeout(ms: number, callback?: () => void): this {
    this.#inner.setTimeout(ms, callback);
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  address(): Endpoint {
    return { address: this.localAddress ?? '', port: this.localPort ?? 0 };
  }

  override _read(): void {
    // Data is pushed as the lane delivers it.
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.#admit(chunk, this.#down);
    cb();
  }

  override _final(cb: (e?: Error | null) => void): void {
    if (!this.#stalled && !this.#resetQueued) this.#down.push({ kind: 'end' });
    cb();
  }

  override _destroy(e: Error | null, cb: (e?: Error | null) => void): void {
    this.#up.stop();
    this.#down.stop();
    this.#inner.destroy();
    cb(e);
  }

  /** A chunk entering a lane: swallowed by a stall, cut at the reset budget. */
  #admit(chunk: Buffer, lane: Lane): void {
    if (this.#stalled || this.#resetQueued) return;
    if (this.#budget === null) {
      lane.push({ kind: 'data', chunk });
      return;
    }
    if (chunk.length < this.#budget) {
      this.#budget -= chunk.length;
      lane.push({ kind: 'data', chunk });
      return;
    }
    const part = chunk.subarray(0, this.#budget);
    this.#budget = 0;
    if (part.length > 0) lane.push({ kind: 'data', chunk: part });
    this.#resetQueued = true;
    lane.push({ kind: 'reset' });
  }

  #deliverUp(item: Item): void {
    if (this.destroyed) return;
    if (item.kind === 'data') this.push(item.chunk);
    else if (item.kind === 'end') this.push(null);
    else if (item.kind === 'close') this.destroy();
    else this.#reset();
  }

  #deliverDown(item: Item): void {
    if (this.destroyed || this.#inner.destroyed) return;
    if (item.kind === 'data') this.#inner.write(item.chunk);
    else if (item.kind === 'end') this.#inner.end();
    else if (item.kind === 'reset') this.#reset();
  }

  #reset(): void {
    const f = this.#resetBy;
    if (f) this.#report(f, 'reset', `reset after ${(f.spec as { bytes: number }).bytes} bytes`);
    const inner = this.#inner as RawStream & { resetAndDestroy?: () => unknown };
    if (typeof inner.resetAndDestroy === 'function') inner.resetAndDestroy();
    else inner.destroy();
    this.destroy(resetError());
  }
}
