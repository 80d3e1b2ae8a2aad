/**
 * The faults on a lab's fabric (`fabric.faults`): added and removed at any time, each recorded on the
 * timeline (`net.fault` added/removed, `net.faulted` per connection it acted on). The fault transport
 * (`fault-transport.ts`) asks this set what to do with each connection attempt, accepted connection
 * and datagram; with no fault on, that is one length check (fleets run with none).
 *
 * What each fault means and where it applies: `fault-spec.ts`.
 */
import type { Endpoint, Timeline } from '../events.ts';
import { err, ok, type Result } from '../result.ts';
import type { Closable, ConnectionRegistry } from './connections.ts';
import {
  checkFaultSpec,
  describeFault,
  type FaultCounts,
  type FaultEffect,
  type FaultError,
  type FaultSpec,
  type StreamEffect,
} from './fault-spec.ts';
import type { HostTable } from './hosts.ts';

/** A fault while it is on, as the transport and the fault stream see it. */
export interface ActiveFault {
  readonly id: string;
  readonly name: string;
  readonly spec: FaultSpec;
  /** The device's address and the peer's (null: any peer). */
  readonly address: string;
  readonly peerAddress: string | null;
  readonly counts: FaultCounts;
  /** A number in [0, 1) from the fault's own seeded stream (jitter, loss, duplication). */
  random(): number;
}

/** A fault as `fabric.faults.list()` reports it. */
export interface FaultInfo {
  id: string;
  name: string;
  spec: FaultSpec;
  summary: string;
  counts: FaultCounts;
}

/** A socket the set may cut when a `down` fault is added: what the registry and the fault streams hold. */
interface Addressed extends Closable {
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
}

export interface FaultSetDeps {
  timeline: Timeline;
  hosts: HostTable;
  registry: ConnectionRegistry;
}

/** mulberry32 (public domain): a small, fast seeded stream, one per fault. */
function seededStream(seed: string): () => number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whether a connection to `server:serverPort` from `client` is in the fault's place. */
export function onStream(f: ActiveFault, server: string, serverPort: number, client?: string): boolean {
  if (f.spec.port !== undefined && f.spec.port !== serverPort) return false;
  if (f.address === server) return f.peerAddress === null || f.peerAddress === client;
  if (client !== undefined && f.address === client) return f.peerAddress === null || f.peerAddress === server;
  return false;
}

/** Whether a datagram from `from` (null: a source outside the lab's sockets) to `to` is in the place. */
export function onDatagram(f: ActiveFault, from: Endpoint | null, to: Endpoint): boolean {
  const p = f.spec.port;
  if (p !== undefined && p !== to.port && p !== from?.port) return false;
  if (f.address === to.address) return f.peerAddress === null || f.peerAddress === from?.address;
  if (from && f.address === from.address) return f.peerAddress === null || f.peerAddress === to.address;
  return false;
}

const STREAM_KINDS = new Set<FaultSpec['kind']>(['down', 'latency', 'bandwidth', 'reset-after', 'stall']);
const DATAGRAM_KINDS = new Set<FaultSpec['kind']>(['down', 'latency', 'loss', 'duplicate']);

export class FaultSet {
  #faults: ActiveFault[] = [];
  #nextId = 1;
  /** Streams under a stream fault, so that a `down` added later cuts them too. */
  readonly #streams = new Set<Addressed>();

  constructor(private readonly deps: FaultSetDeps) {}

  /** No fault is on: the transport passes everything straight through. */
  get none(): boolean {
    return this.#faults.length === 0;
  }

  /** Puts a fault on; the error names the field or the device that is wrong. */
  add(spec: FaultSpec): Result<FaultInfo, FaultError> {
    const checked = checkFaultSpec(spec);
    if (!checked.ok) return checked;
    const s = checked.value;
    const where = this.#resolve(s);
    if (!where.ok) return where;
    const id = `f${this.#nextId++}`;
    const name = s.name ?? id;
    if (this.#faults.some((f) => f.name === name || f.id === name)) {
      return err({
        code: 'fault.duplicate-name',
        path: 'fault.name',
        message: `fault.name: a fault named "${name}" is already on; clear it first or choose another name`,
      });
    }
    const f: ActiveFault = {
      id,
      name,
      spec: s,
      address: where.value.address,
      peerAddress: where.value.peer,
      counts: {},
      random: seededStream(`${id}:${JSON.stringify(s)}`),
    };
    this.#faults = [...this.#faults, f];
    this.deps.timeline.emit(s.device, 'net.fault', {
      faultId: id,
      name,
      change: 'added',
      fault: s,
      summary: describeFault(s),
      counts: {},
    });
    if (s.kind === 'down') this.#cutOpen(f);
    return ok(this.#info(f));
  }

  /** Takes a fault off by its name or id; the `net.fault` removal says what it did. */
  remove(ref: string): Result<FaultInfo, FaultError> {
    const f = this.#faults.find((x) => x.name === ref || x.id === ref);
    if (!f) {
      const on = this.#faults.map((x) => x.name);
      return err({
        code: 'fault.unknown',
        path: 'fault.name',
        message: `no fault "${ref}" is on (${on.length > 0 ? `on: ${on.join(', ')}` : 'none is on'})`,
      });
    }
    this.#faults = this.#faults.filter((x) => x !== f);
    this.#emitRemoved(f);
    return ok(this.#info(f));
  }

  /** Takes every fault off (the lab stopping does this too). */
  clear(): void {
    const all = this.#faults;
    this.#faults = [];
    for (const f of all) this.#emitRemoved(f);
  }

  list(): FaultInfo[] {
    return this.#faults.map((f) => this.#info(f));
  }

  // ---------------------------------------------------------------- what the transport asks

  /** The `down` fault a connection attempt from `client` to `server` runs into, if any. */
  downFor(server: Endpoint, client: string | undefined): ActiveFault | null {
    for (const f of this.#faults) {
      if (f.spec.kind === 'down' && onStream(f, server.address, server.port, client)) return f;
    }
    return null;
  }

  /** The stream faults on a connection accepted at `server` from `client` (`down` included). */
  streamFaults(server: Endpoint, client: string): ActiveFault[] {
    return this.#faults.filter(
      (f) => STREAM_KINDS.has(f.spec.kind) && onStream(f, server.address, server.port, client),
    );
  }

  /** The faults on a datagram. */
  datagramFaults(from: Endpoint | null, to: Endpoint): ActiveFault[] {
    return this.#faults.filter((f) => DATAGRAM_KINDS.has(f.spec.kind) && onDatagram(f, from, to));
  }

  /** Counts an effect (datagrams: only counted, reported on removal). */
  count(f: ActiveFault, effect: FaultEffect, n = 1): void {
    f.counts[effect] = (f.counts[effect] ?? 0) + n;
  }

  /** Records what a fault did to one connection or attempt (`net.faulted`) and counts it. */
  faulted(
    f: ActiveFault,
    effect: StreamEffect,
    local: Endpoint | null,
    remote: Endpoint,
    detail: string,
  ): void {
    this.count(f, effect);
    this.deps.timeline.emit(f.spec.device, 'net.faulted', {
      faultId: f.id,
      name: f.name,
      faultKind: f.spec.kind,
      effect,
      local,
      remote,
      detail,
    });
  }

  /** A stream under a stream fault: a `down` added while it is open cuts it. */
  trackStream(s: Addressed): void {
    this.#streams.add(s);
    s.once('close', () => this.#streams.delete(s));
  }

  // ---------------------------------------------------------------- internals

  #resolve(s: FaultSpec): Result<{ address: string; peer: string | null }, FaultError> {
    let address: string;
    try {
      address = this.deps.hosts.addressOf(s.device);
    } catch {
      return err({
        code: 'fault.unknown-device',
        path: 'fault.device',
        message: `fault.device: ${s.device} is not a device of this lab`,
      });
    }
    if (s.peer === undefined) return ok({ address, peer: null });
    const peer = this.deps.hosts.resolve(s.peer);
    if (!peer.ok) {
      return err({
        code: 'fault.unknown-peer',
        path: 'fault.peer',
        message: `fault.peer: ${peer.error.message}`,
      });
    }
    return ok({ address, peer: peer.value });
  }

  /** A device going down cuts what it has open: its peers see the connection end now. */
  #cutOpen(f: ActiveFault): void {
    const victims: Addressed[] = [];
    const consider = (s: Addressed) => {
      const l = s.localAddress;
      const r = s.remoteAddress;
      if (!l || !r || s.destroyed) return;
      const lp = s.localPort ?? 0;
      const rp = s.remotePort ?? 0;
      if (onStream(f, l, lp, r) || onStream(f, r, rp, l)) victims.push(s);
    };
    this.deps.registry.eachOpen(consider);
    for (const s of this.#streams) consider(s);
    for (const s of new Set(victims)) {
      const local = { address: s.localAddress ?? '', port: s.localPort ?? 0 };
      const remote = { address: s.remoteAddress ?? '', port: s.remotePort ?? 0 };
      this.faulted(f, 'cut', local, remote, `${describeFault(f.spec)}: open connection cut`);
      s.destroy();
    }
  }

  #emitRemoved(f: ActiveFault): void {
    this.deps.timeline.emit(f.spec.device, 'net.fault', {
      faultId: f.id,
      name: f.name,
      change: 'removed',
      fault: f.spec,
      summary: describeFault(f.spec),
      counts: { ...f.counts },
    });
  }

  #info(f: ActiveFault): FaultInfo {
    return { id: f.id, name: f.name, spec: f.spec, summary: describeFault(f.spec), counts: { ...f.counts } };
  }
}
