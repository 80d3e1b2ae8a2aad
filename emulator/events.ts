/**
 * The lab timeline: every observable thing is an event (architecture decision 7). Device logs, scenario
 * checks, reports and the live view are renderings of these events, never of device internals.
 *
 * Event kinds are typed through `EventMap`. A device module adds its own kinds by declaration merging:
 *
 *     declare module '../../emulator/events.ts' {
 *       interface EventMap { 'phone.status': { message: string } }
 *     }
 */

import type { Fidelity } from './fidelity/fidelity.ts';

export const SCHEMA_VERSION = 1 as const;

/** A certificate as events show it: enough to recognise it in openssl output and in logs. */
export interface CertSummary {
  subject: string;
  issuer: string;
  serial: string;
  sha256: string;
  notBefore: string;
  notAfter: string;
  keyType: string;
  selfSigned: boolean;
  /** The extensions a trust decision turns on (RFC 5280 §4.2), as the certificate carries them. */
  extensions: CertExtensions;
}

/**
 * RFC 5280 §4.2 extensions of a certificate: basicConstraints (RFC 5280 §4.2.1.9), keyUsage
 * (RFC 5280 §4.2.1.3), extKeyUsage (RFC 5280 §4.2.1.12), subjectAltName (RFC 5280 §4.2.1.6). Null:
 * the certificate has no such extension.
 */
export interface CertExtensions {
  basicConstraints: { ca: boolean; pathLength: number | null; critical: boolean } | null;
  keyUsage: string[] | null;
  /** EKU names (`serverAuth`, `clientAuth`, ...) or dotted OIDs for purposes the lab does not name. */
  extKeyUsage: string[] | null;
  /** `DNS:cucm.lab`, `IP:10.0.0.1`, `email:...`, `URI:...`; empty when there is no SAN. */
  subjectAltName: string[];
  /** Why the extensions could not be read (a peer's hostile certificate); null when they were. */
  unreadable: string | null;
}

/** A TLS alert as RFC 8446 §6 numbers it, e.g. `{ code: 45, name: 'certificate_expired' }`. */
export interface TlsAlert {
  code: number;
  name: string;
}

/**
 * The product rule that decided a trust verdict: a stable `id` (a report or a test can name it; it does
 * not change when the wording of `name` or of the verdict's reason does) and its name for a person.
 */
export interface TrustRule {
  id: string;
  name: string;
}

export interface Endpoint {
  address: string;
  port: number;
}

/** The kinds of event the lab machinery itself emits. Devices add theirs by merging into this map. */
export interface EventMap {
  'lab.started': { block: string; artifacts: string | null };
  /** The lab begins to stop: what devices do from here (drop registrations, close) is teardown. */
  'lab.stopping': { reason: string };
  'lab.stopped': { reason: string };
  /** `deviceKind`, not `kind`: a payload field named `kind` would overwrite the event's own kind. */
  'device.started': { deviceKind: string; address: string };
  'device.stopped': Record<string, never>;
  'net.listen': { proto: 'tcp' | 'tls' | 'udp'; endpoint: Endpoint };
  'net.connect': {
    connId: string;
    proto: 'tcp' | 'tls';
    role: 'client' | 'server';
    local: Endpoint;
    remote: Endpoint;
  };
  'net.close': { connId: string; role: 'client' | 'server' };
  'net.error': { connId: string | null; code: string; message: string };
  /** The fabric closed an accepted connection that stayed silent for the listener's idle timeout. */
  'net.timeout': {
    connId: string;
    role: 'server';
    proto: 'tcp' | 'tls';
    idleMs: number;
    local: Endpoint;
    remote: Endpoint;
  };
  /**
   * A listener turned a connection away because a cap was reached (`per-peer`: this remote address
   * already holds `limit` connections to the listener; `listener`: the listener holds `limit` in all).
   * The socket was accepted and closed at once: it never got a connection id.
   */
  'net.refused': {
    proto: 'tcp' | 'tls';
    endpoint: Endpoint;
    remote: Endpoint;
    reason: 'per-peer' | 'listener';
    limit: number;
    open: number;
  };
  /** A completed TLS handshake, with the chain result OpenSSL gave (layer one of decision 3). */
  'tls.handshake': {
    connId: string;
    role: 'client' | 'server';
    version: string;
    cipher: string;
    sni: string | null;
    localCert: CertSummary | null;
    peerCert: CertSummary | null;
    peerChain: CertSummary[];
    chainError: string | null;
    /** Present (and true) only on the new handshake of a renegotiation (`Fabric.renegotiate`). */
    renegotiation?: true;
  };
  /**
   * A TLS renegotiation on an established connection (seed 001), as one end saw it. The fabric records
   * the server end of `Fabric.renegotiate`; a client model may record its own end.
   */
  'tls.renegotiation': {
    connId: string;
    role: 'client' | 'server';
    outcome: 'completed' | 'refused' | 'impossible';
    detail: string;
  };
  /** A handshake that did not complete, as this end saw it. */
  'tls.failed': {
    connId: string | null;
    role: 'client' | 'server';
    code: string;
    message: string;
    alert: TlsAlert | null;
  };
  /**
   * The device's own trust decision (layer two of decision 3). When `alert` is set this is also the
   * alert side channel: Node closes the socket instead of sending it, so the peer model reads it here.
   */
  'tls.verdict': {
    connId: string;
    role: 'client' | 'server';
    accepted: boolean;
    reason: string;
    alert: TlsAlert | null;
    /** The rule that decided; null when the device model did not name one (older event files: absent). */
    rule?: TrustRule | null;
  };
  /** A line of a device's own log (CUCM SDL trace, phone console, Expressway traffic_server log). */
  log: { source: string; level: 'debug' | 'info' | 'warning' | 'error'; text: string; fidelity: Fidelity };
  /** A device action a scenario or trainer cares about (a step, an admin command, a reset). */
  action: { name: string; detail: string };
  /** A scenario step and its outcome, emitted by the runner. */
  'scenario.step': { index: number; title: string; explain: string };
  /** `fidelity`: whether the line an expectation matched is a seed's wording (null: not a log check). */
  'scenario.expectation': { title: string; held: boolean; saw: string; fidelity?: Fidelity | null };
}

export type EventKind = keyof EventMap & string;

export interface EventHeader {
  schemaVersion: typeof SCHEMA_VERSION;
  /** Position on the lab's timeline, from 1. */
  seq: number;
  /** Wall-clock time, ISO 8601. */
  time: string;
  /** Milliseconds since the lab started. */
  t: number;
  lab: string;
  device: string;
}

export type LabEvent<K extends EventKind = EventKind> = K extends EventKind
  ? EventHeader & { kind: K } & EventMap[K]
  : never;

export type EventFilter = {
  kind?: EventKind | EventKind[];
  device?: string | string[];
};

function matches(filter: EventFilter | undefined, e: LabEvent): boolean {
  if (!filter) return true;
  if (filter.kind !== undefined) {
    const kinds = Array.isArray(filter.kind) ? filter.kind : [filter.kind];
    if (!kinds.includes(e.kind)) return false;
  }
  if (filter.device !== undefined) {
    const devices = Array.isArray(filter.device) ? filter.device : [filter.device];
    if (!devices.includes(e.device)) return false;
  }
  return true;
}

/** Raised (as a rejection) by a bounded wait that ran out: says what it waited for and what it saw. */
export class WaitTimeout extends Error {
  readonly code = 'wait.timeout';
  constructor(
    readonly waitedFor: string,
    readonly timeoutMs: number,
    readonly saw: string[],
  ) {
    super(
      `timed out after ${timeoutMs} ms waiting for ${waitedFor}; saw instead: ${
        saw.length === 0 ? 'nothing relevant' : saw.join(' | ')
      }`,
    );
  }
}

type Listener = (e: LabEvent) => void;

/** How many events a timeline keeps in memory unless told otherwise (about 100 MB at the worst). */
export const DEFAULT_MAX_EVENTS = 100_000;

export interface TimelineOptions {
  /**
   * Events kept in memory (architecture decision 7: a lab kept up for hours holds flat memory). When
   * the cap is passed the oldest tenth is dropped at once (so dropping is not paid per event); the
   * dropped ones are counted (`dropped`) and handed to `spill` first.
   */
  maxEvents?: number;
  /** Receives the dropped events as JSON lines, oldest first (the lab appends them to timeline.jsonl). */
  spill?: ((jsonLines: string) => void) | null;
  /**
   * Whether the wire messages (`BULK_KINDS`) and log lines are kept in memory (default true). False
   * keeps the summaries only (boots, registrations, trust lists, TLS handshakes and verdicts, actions):
   * the bulk events still reach every subscriber as they happen and go to `spill` one by one (so a
   * JSON-lines file holds them ahead of the kept events around them: order it by `seq`), and they are
   * counted in `dropped`, but `events()`, `ofKind()` and `waitFor()` do not find them later. A
   * fleet cell (emulator/plan/cell.ts) reads its phones through subscriptions only, and they are two
   * thirds of a booting phone's events (measured: 48 of 62, 15 of its 25 KB).
   */
  keepBulk?: boolean;
}

/**
 * Kinds a lab emits by the million, one per wire message (devices/protocols/events.ts): a fleet's ten
 * thousand phones each send and receive keepalives. They are bounded like every event (the cap, the
 * spill), and they are not indexed by connection: the alert side channel and the verdict waits read a
 * connection's `net.*` and `tls.*` events only, and a registration connection's keepalives would
 * otherwise make each of those reads walk hours of messages.
 */
export const BULK_KINDS: ReadonlySet<string> = new Set([
  'sccp.message',
  'sip.message',
  'http.request',
  'tftp.transfer',
]);

/** The connection id an event is indexed by, if any (`net.*`, `tls.*` and device events about a connection). */
/** A kind `keepBulk: false` does not keep: the per-message kinds and device log lines. */
function isBulk(kind: string): boolean {
  return kind === 'log' || BULK_KINDS.has(kind);
}

function connIdOf(e: LabEvent): string | null {
  if (BULK_KINDS.has(e.kind)) return null;
  const id = (e as { connId?: unknown }).connId;
  return typeof id === 'string' ? id : null;
}

export class Timeline {
  /** The retained events, oldest first, by `seq` (consecutive unless bulk events are not kept). */
  #events: LabEvent[] = [];
  readonly #listeners = new Set<{ filter: EventFilter | undefined; fn: Listener }>();
  /** Retained events by connection id: the alert side channel and the peer-verdict wait read this. */
  readonly #byConn = new Map<string, LabEvent[]>();
  readonly #connWaiters = new Map<string, Set<Listener>>();
  readonly #startedAt: number;
  readonly #maxEvents: number;
  readonly #spill: ((jsonLines: string) => void) | null;
  readonly #keepBulk: boolean;
  #seq = 0;
  #dropped = 0;
  #spillError: string | null = null;

  constructor(
    readonly lab: string,
    startedAt: number = Date.now(),
    opts: TimelineOptions = {},
  ) {
    this.#startedAt = startedAt;
    const max = opts.maxEvents ?? DEFAULT_MAX_EVENTS;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxEvents ${max} is not a positive integer`);
    this.#maxEvents = max;
    this.#spill = opts.spill ?? null;
    this.#keepBulk = opts.keepBulk ?? true;
  }

  get startedAt(): number {
    return this.#startedAt;
  }

  /** Events dropped from memory so far (spilled to the JSON-lines file when the lab keeps one). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Why spilling stopped (later drops are only counted), or null while it works. */
  get spillError(): string | null {
    return this.#spillError;
  }

  emit<K extends EventKind>(device: string, kind: K, payload: EventMap[K]): LabEvent<K> {
    const now = Date.now();
    const e = {
      schemaVersion: SCHEMA_VERSION,
      seq: ++this.#seq,
      time: new Date(now).toISOString(),
      t: now - this.#startedAt,
      lab: this.lab,
      device,
      kind,
      ...payload,
    } as unknown as LabEvent<K>;
    const event = e as LabEvent;
    const connId = connIdOf(event);
    if (!this.#keepBulk && isBulk(kind)) this.#discard(event);
    else {
      this.#events.push(event);
      if (connId !== null) {
        const list = this.#byConn.get(connId);
        if (list) list.push(event);
        else this.#byConn.set(connId, [event]);
      }
      if (this.#events.length > this.#maxEvents) this.#drop();
    }
    for (const l of [...this.#listeners]) {
      if (matches(l.filter, event)) l.fn(event);
    }
    if (connId !== null) {
      const waiters = this.#connWaiters.get(connId);
      if (waiters) for (const fn of [...waiters]) fn(event);
    }
    return e;
  }

  /** A bulk event not kept (`keepBulk: false`): counted, and spilled when there is a spill. */
  #discard(e: LabEvent): void {
    this.#dropped++;
    this.#spillLines(() => `${JSON.stringify(e)}\n`);
  }

  #spillLines(lines: () => string): void {
    if (!this.#spill || this.#spillError !== null) return;
    try {
      this.#spill(lines());
    } catch (e) {
      // A full disk must not end the lab from inside a device's emit: the events are dropped (counted).
      this.#spillError = (e as Error).message;
    }
  }

  /** Drops the oldest tenth of the retained events, spilling them first. */
  #drop(): void {
    const n = Math.max(1, Math.ceil(this.#maxEvents / 10));
    const gone = this.#events.slice(0, n);
    this.#events = this.#events.slice(n);
    this.#dropped += gone.length;
    this.#spillLines(() => gone.map((e) => `${JSON.stringify(e)}\n`).join(''));
    const perConn = new Map<string, number>();
    for (const e of gone) {
      const id = connIdOf(e);
      if (id !== null) perConn.set(id, (perConn.get(id) ?? 0) + 1);
    }
    for (const [id, count] of perConn) {
      const list = this.#byConn.get(id);
      if (!list) continue;
      // A connection's events are dropped oldest first, like the timeline's.
      if (count >= list.length) this.#byConn.delete(id);
      else this.#byConn.set(id, list.slice(count));
    }
  }

  /** Calls `fn` for every later event that matches; returns the unsubscribe function. */
  subscribe(filter: EventFilter | undefined, fn: Listener): () => void {
    const entry = { filter, fn };
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }

  events(filter?: EventFilter): LabEvent[] {
    return this.#events.filter((e) => matches(filter, e));
  }

  /** Events of one kind, typed. */
  ofKind<K extends EventKind>(kind: K, device?: string): LabEvent<K>[] {
    return this.#events.filter(
      (e) => e.kind === kind && (device === undefined || e.device === device),
    ) as unknown as LabEvent<K>[];
  }

  /** The retained events that carry this connection id, oldest first (indexed: no scan; no `BULK_KINDS`). */
  forConnection(connId: string): readonly LabEvent[] {
    return this.#byConn.get(connId) ?? [];
  }

  /** A device's log, as text lines, in order. */
  logLines(device: string): string[] {
    return this.ofKind('log', device).map((e) => e.text);
  }

  /** The retained events after `since` (a `seq`), found by a binary search rather than by a scan. */
  #after(since: number): LabEvent[] {
    const events = this.#events;
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((events[mid]?.seq ?? 0) <= since) lo = mid + 1;
      else hi = mid;
    }
    return events.slice(lo);
  }

  /**
   * Resolves with the first event (already on the timeline since `since`, or later) that satisfies
   * `predicate`; rejects with a `WaitTimeout` naming `what` and the recent events it saw instead.
   */
  waitFor<E extends LabEvent = LabEvent>(
    what: string,
    predicate: (e: LabEvent) => e is E,
    opts?: { timeoutMs?: number; since?: number; sawFilter?: EventFilter },
  ): Promise<E>;
  waitFor(
    what: string,
    predicate: (e: LabEvent) => boolean,
    opts?: { timeoutMs?: number; since?: number; sawFilter?: EventFilter },
  ): Promise<LabEvent>;
  waitFor(
    what: string,
    predicate: (e: LabEvent) => boolean,
    opts: { timeoutMs?: number; since?: number; sawFilter?: EventFilter } = {},
  ): Promise<LabEvent> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const since = opts.since ?? 0;
    const already = this.#after(since).find(predicate);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const unsubscribe = this.subscribe(undefined, (e) => {
        if (predicate(e)) {
          clearTimeout(timer);
          unsubscribe();
          resolve(e);
        }
      });
      const timer = setTimeout(() => {
        unsubscribe();
        const saw = this.#after(since)
          .filter((e) => matches(opts.sawFilter, e))
          .slice(-6)
          .map(describeEvent);
        reject(new WaitTimeout(what, timeoutMs, saw));
      }, timeoutMs);
    });
  }

  /**
   * `waitFor` for the events of one connection: only that connection's events are looked at, so
   * thousands of handshakes waiting at once do not each test every event of the lab.
   */
  waitForConnection(
    connId: string,
    what: string,
    predicate: (e: LabEvent) => boolean,
    opts: { timeoutMs?: number } = {},
  ): Promise<LabEvent> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const already = this.forConnection(connId).find(predicate);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      let waiters = this.#connWaiters.get(connId);
      if (!waiters) {
        waiters = new Set();
        this.#connWaiters.set(connId, waiters);
      }
      const set = waiters;
      const done = () => {
        set.delete(fn);
        if (set.size === 0 && this.#connWaiters.get(connId) === set) this.#connWaiters.delete(connId);
      };
      const fn: Listener = (e) => {
        if (!predicate(e)) return;
        clearTimeout(timer);
        done();
        resolve(e);
      };
      set.add(fn);
      const timer = setTimeout(() => {
        done();
        const saw = this.forConnection(connId).slice(-6).map(describeEvent);
        reject(new WaitTimeout(what, timeoutMs, saw));
      }, timeoutMs);
    });
  }

  /** The alert side channel: the alert a device recorded for a connection, if any (decision 3). */
  alertFor(connId: string, from?: 'client' | 'server'): TlsAlert | null {
    for (const e of this.forConnection(connId)) {
      if (e.kind === 'tls.verdict' && e.alert && (from === undefined || e.role === from)) return e.alert;
    }
    return null;
  }

  /** The retained timeline as JSON lines, one event per line. */
  toJsonLines(filter?: EventFilter): string {
    return this.events(filter)
      .map((e) => `${JSON.stringify(e)}\n`)
      .join('');
  }
}

/** One line for a person: `+123ms cucm-pub log: ...`. */
export function describeEvent(e: LabEvent): string {
  const head = `+${e.t}ms ${e.device}`;
  switch (e.kind) {
    case 'log':
      return `${head} ${e.source}: ${e.text}`;
    case 'action':
      return `${head} ${e.name}: ${e.detail}`;
    case 'tls.handshake':
      return `${head} TLS ${e.role} handshake ${e.version} ${e.cipher} peer=${e.peerCert?.subject ?? '(none)'} chain=${e.chainError ?? 'ok'}`;
    case 'tls.failed':
      return `${head} TLS ${e.role} failed: ${e.code}${e.alert ? ` alert ${e.alert.name}(${e.alert.code})` : ''}`;
    case 'tls.verdict':
      return `${head} TLS ${e.role} verdict: ${e.accepted ? 'accepted' : 'rejected'} (${e.reason})${
        e.alert ? ` alert ${e.alert.name}(${e.alert.code})` : ''
      }`;
    case 'net.connect':
      return `${head} ${e.proto} ${e.role} ${e.local.address}:${e.local.port} <-> ${e.remote.address}:${e.remote.port}`;
    case 'net.listen':
      return `${head} listening ${e.proto} ${e.endpoint.address}:${e.endpoint.port}`;
    case 'net.timeout':
      return `${head} ${e.proto} ${e.remote.address}:${e.remote.port} closed after ${e.idleMs} ms idle`;
    case 'net.refused':
      return `${head} ${e.proto} ${e.endpoint.address}:${e.endpoint.port} refused ${e.remote.address}:${e.remote.port} (${e.reason} limit ${e.limit})`;
    default: {
      const {
        schemaVersion: _s,
        seq: _q,
        time: _t,
        t: _tt,
        lab: _l,
        device: _d,
        kind,
        ...rest
      } = e as EventHeader & {
        kind: string;
      };
      return `${head} ${kind} ${JSON.stringify(rest)}`;
    }
  }
}
