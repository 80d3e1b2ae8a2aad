/**
 * Who gets a transfer socket: a per-peer and a total cap on concurrent transfers, and a queue that
 * holds no socket.
 *
 * Every request the server answers from a socket of its own (a transfer, or a refusal such as File not
 * found) holds a slot until it ends. Uncapped, 450 unacknowledged read requests asking `timeout 255`
 * each held a socket for 25 minutes and took every service of the lab down with the descriptors.
 *
 * - One peer address may hold `maxPerPeer` slots, queued ones included; beyond that it is refused.
 * - `maxTransfers` slots run at once. Beyond that requests wait in a FIFO queue of `maxQueued` (no
 *   socket, no timer), as Cisco TFTP queues requests behind its connection objects and refuses only
 *   past its Maximum Serving Count (Cisco TAC, "Troubleshoot Issues When TFTP Reaches Maximum Serving
 *   Count", doc 222878). A full queue refuses.
 * - While requests wait, transfers whose peer has acknowledged nothing for `staleMs` are abandoned
 *   to make room, oldest first, one per waiting request (checked on each request and every
 *   `staleMs / 4` while the queue is not empty): a flood of requests that are never acknowledged
 *   delays a phone's request by about `staleMs`, instead of by the flood's 63 × 255 s of patience.
 * - A request already held (the same peer, port and file: a retransmitted or duplicated RRQ) is
 *   ignored rather than given a second transfer with a second transfer ID.
 */
import type { TftpLimit, TftpPeer } from './events.ts';

export interface SlotLimits {
  maxTransfers: number;
  maxPerPeer: number;
  maxQueued: number;
  staleMs: number;
}

/** What a slot may be asked about and told when the server needs it back. */
export interface Evictable {
  readonly acknowledged: boolean;
  /** Already ending (an ERROR on its way out): no use abandoning it again. */
  readonly ending: boolean;
  readonly startedAt: number;
  abandon(message: string): void;
}

export class Slot {
  /** The transfer running in this slot, once its socket is bound and its first packet sent. */
  transfer: Evictable | undefined;
  released = false;

  constructor(
    readonly key: string,
    readonly address: string,
    readonly run: (slot: Slot) => void,
  ) {}
}

export type Admission =
  | { kind: 'started' }
  | { kind: 'queued' }
  | { kind: 'duplicate' }
  | { kind: 'refused'; limit: TftpLimit; message: string };

export class TransferSlots {
  private readonly active = new Set<Slot>();
  private readonly queue: Slot[] = [];
  private readonly byKey = new Map<string, Slot>();
  private readonly perPeer = new Map<string, number>();
  private sweep: NodeJS.Timeout | undefined;

  constructor(private readonly limits: SlotLimits) {}

  get running(): number {
    return this.active.size;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Admits a request (runs it now or later) or says why not. `run` is called at most once. */
  request(peer: TftpPeer, what: string, run: (slot: Slot) => void): Admission {
    const key = `${peer.address}:${peer.port} ${what}`;
    if (this.byKey.has(key)) return { kind: 'duplicate' };
    const held = this.perPeer.get(peer.address) ?? 0;
    if (held >= this.limits.maxPerPeer) {
      return {
        kind: 'refused',
        limit: 'peer-limit',
        message: `Server busy: ${held} transfers to ${peer.address} in progress, try again later`,
      };
    }
    if (this.active.size >= this.limits.maxTransfers) this.evictStale(this.queue.length + 1);
    const slot = new Slot(key, peer.address, run);
    if (this.active.size < this.limits.maxTransfers && this.queue.length === 0) {
      this.hold(slot);
      this.start(slot);
      return { kind: 'started' };
    }
    if (this.queue.length >= this.limits.maxQueued) {
      return {
        kind: 'refused',
        limit: 'server-limit',
        message: `Server busy: ${this.active.size} transfers in progress and ${this.queue.length} waiting, try again later`,
      };
    }
    this.hold(slot);
    this.queue.push(slot);
    this.armSweep();
    return { kind: 'queued' };
  }

  /** Gives a slot back (idempotent) and starts whoever waits first. */
  release(slot: Slot): void {
    if (slot.released) return;
    slot.released = true;
    this.byKey.delete(slot.key);
    const n = (this.perPeer.get(slot.address) ?? 1) - 1;
    if (n > 0) this.perPeer.set(slot.address, n);
    else this.perPeer.delete(slot.address);
    if (this.active.delete(slot)) this.drain();
    else {
      const i = this.queue.indexOf(slot);
      if (i >= 0) this.queue.splice(i, 1);
    }
  }

  /** Forgets every queued request (the server is closing); running ones end through `release`. */
  clearQueue(): void {
    for (const s of this.queue.splice(0)) this.release(s);
    clearTimeout(this.sweep);
    this.sweep = undefined;
  }

  private hold(slot: Slot): void {
    this.byKey.set(slot.key, slot);
    this.perPeer.set(slot.address, (this.perPeer.get(slot.address) ?? 0) + 1);
  }

  private start(slot: Slot): void {
    this.active.add(slot);
    slot.run(slot);
  }

  private drain(): void {
    while (this.active.size < this.limits.maxTransfers) {
      const next = this.queue.shift();
      if (!next) return;
      this.start(next);
    }
  }

  private armSweep(): void {
    if (this.sweep) return;
    this.sweep = setTimeout(
      () => {
        this.sweep = undefined;
        if (this.queue.length === 0) return;
        this.evictStale(this.queue.length);
        this.armSweep();
      },
      Math.max(10, this.limits.staleMs / 4),
    );
  }

  /** Abandons up to `n` transfers whose peer has acknowledged nothing for `staleMs`, oldest first. */
  private evictStale(n: number): void {
    const now = Date.now();
    const stale: Evictable[] = [];
    for (const s of this.active) {
      const t = s.transfer;
      if (t && !t.acknowledged && !t.ending && now - t.startedAt >= this.limits.staleMs) stale.push(t);
    }
    stale.sort((a, b) => a.startedAt - b.startedAt);
    for (const t of stale.slice(0, n))
      t.abandon('Transfer abandoned: no acknowledgement while other requests wait');
  }
}
