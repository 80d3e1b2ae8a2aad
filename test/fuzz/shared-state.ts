/**
 * What a fuzz worker shares with the runner, in memory both see: the input being parsed (so a killed
 * worker's hanging input is known) and the counts so far (so a kill loses none of them). Written with
 * Atomics by the worker after every input; read by the runner's watchdog and progress lines.
 */
import type { TargetStats } from './engine.ts';

const I32 = [
  'index',
  'length',
  'inputs',
  'accepted',
  'rejected',
  'untyped',
  'disagreements',
  'hangs',
  'slow',
  'slowSize',
  'slowIndex',
] as const;
const HEADER = 64; // 11 Int32 + a Float64 at 48

export class SharedState {
  readonly buffer: SharedArrayBuffer;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly bytes: Uint8Array;

  constructor(bufferOrCapacity: SharedArrayBuffer | number) {
    this.buffer =
      typeof bufferOrCapacity === 'number'
        ? new SharedArrayBuffer(HEADER + bufferOrCapacity)
        : bufferOrCapacity;
    this.i32 = new Int32Array(this.buffer, 0, I32.length);
    this.f64 = new Float64Array(this.buffer, 48, 1);
    this.bytes = new Uint8Array(this.buffer, HEADER);
  }

  private at(k: (typeof I32)[number]): number {
    return I32.indexOf(k);
  }

  /** The index of the input being parsed; -1 before the first. */
  get index(): number {
    return Atomics.load(this.i32, this.at('index'));
  }

  set index(i: number) {
    Atomics.store(this.i32, this.at('index'), i);
  }

  setInput(index: number, input: Uint8Array): void {
    const n = Math.min(input.length, this.bytes.length);
    this.bytes.set(input.subarray(0, n));
    Atomics.store(this.i32, this.at('length'), n);
    this.index = index;
  }

  input(): Buffer {
    return Buffer.from(this.bytes.subarray(0, Atomics.load(this.i32, this.at('length'))));
  }

  writeStats(s: TargetStats): void {
    for (const k of [
      'inputs',
      'accepted',
      'rejected',
      'untyped',
      'disagreements',
      'hangs',
      'slow',
    ] as const) {
      Atomics.store(this.i32, this.at(k), s[k]);
    }
    Atomics.store(this.i32, this.at('slowSize'), s.slowest.size);
    Atomics.store(this.i32, this.at('slowIndex'), s.slowest.index);
    this.f64[0] = s.slowest.ms;
  }

  readStats(target: string): TargetStats {
    const g = (k: (typeof I32)[number]) => Atomics.load(this.i32, this.at(k));
    return {
      target,
      inputs: g('inputs'),
      accepted: g('accepted'),
      rejected: g('rejected'),
      untyped: g('untyped'),
      disagreements: g('disagreements'),
      hangs: g('hangs'),
      slow: g('slow'),
      slowest: { ms: this.f64[0] ?? 0, size: g('slowSize'), index: g('slowIndex') },
    };
  }

  reset(): void {
    this.i32.fill(0);
    this.f64[0] = 0;
    this.index = -1;
    Atomics.store(this.i32, this.at('slowIndex'), -1);
  }
}
