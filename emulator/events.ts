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
}

/** A TLS alert as RFC 8446 §6 numbers it, e.g. `{ code: 45, name: 'certificate_expired' }`. */
export interface TlsAlert {
  code: number;
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
  };
  /** A line of a device's own log (CUCM SDL trace, phone console, Expressway traffic_server log). */
  log: { source: string; level: 'debug' | 'info' | 'warning' | 'error'; text: string };
  /** A device action a scenario or trainer cares about (a step, an admin command, a reset). */
  action: { name: string; detail: string };
  /** A scenario step and its outcome, emitted by the runner. */
  'scenario.step': { index: number; title: string; explain: string };
  'scenario.expectation': { title: string; held: boolean; saw: string };
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

export class Timeline {
  readonly #events: LabEvent[] = [];
  readonly #listeners = new Set<{ filter: EventFilter | undefined; fn: Listener }>();
  readonly #startedAt: number;

  constructor(
    readonly lab: string,
    startedAt: number = Date.now(),
  ) {
    this.#startedAt = startedAt;
  }

  get startedAt(): number {
    return this.#startedAt;
  }

  emit<K extends EventKind>(device: string, kind: K, payload: EventMap[K]): LabEvent<K> {
    const now = Date.now();
    const e = {
      schemaVersion: SCHEMA_VERSION,
      seq: this.#events.length + 1,
      time: new Date(now).toISOString(),
      t: now - this.#startedAt,
      lab: this.lab,
      device,
      kind,
      ...payload,
    } as unknown as LabEvent<K>;
    this.#events.push(e as LabEvent);
    for (const l of [...this.#listeners]) {
      if (matches(l.filter, e as LabEvent)) l.fn(e as LabEvent);
    }
    return e;
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

  /** A device's log, as text lines, in order. */
  logLines(device: string): string[] {
    return this.ofKind('log', device).map((e) => e.text);
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
    const already = this.#events.find((e) => e.seq > since && predicate(e));
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
        const saw = this.events(opts.sawFilter)
          .filter((e) => e.seq > since)
          .slice(-6)
          .map(describeEvent);
        reject(new WaitTimeout(what, timeoutMs, saw));
      }, timeoutMs);
    });
  }

  /** The alert side channel: the alert a device recorded for a connection, if any (decision 3). */
  alertFor(connId: string, from?: 'client' | 'server'): TlsAlert | null {
    for (const e of this.ofKind('tls.verdict')) {
      if (e.connId === connId && e.alert && (from === undefined || e.role === from)) return e.alert;
    }
    return null;
  }

  /** The whole timeline as JSON lines, one event per line. */
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
