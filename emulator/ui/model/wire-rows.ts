/**
 * Ladder rows for the wire exchanges (devices/protocols/events.ts): a TFTP transfer, an SCCP or SIP
 * message, an HTTP request. Both ends of an exchange may record it (the phone's client and the TFTP
 * server; the sender and the receiver of a message), and the ladder shows it once: the second end's
 * event settles the row the first one opened.
 *
 * What waits for its other end is bounded: an end outside the lab never records its half, so the oldest
 * waiting halves are let go past a cap (a fleet's ten thousand phones must not grow this without end).
 */
import { endpoint, num, obj, type RawEvent, str } from './fields.ts';
import type { Fact, LadderRow, RowOutcome } from './view.ts';

export const WIRE_KINDS = new Set(['tftp.transfer', 'sccp.message', 'sip.message', 'http.request']);

/** Halves waiting for their other end, at most (the oldest go first). */
export const MAX_WAITING = 4096;

/** What the wire rows need to know of the lab: devices by address, and each connection's two lanes. */
export interface WireLookup {
  deviceAt(address: string): string | null;
  /** The client's and the server's lane of a connection, and whether it is TLS; null when unknown. */
  connection(connId: string): { from: string; to: string; proto: string } | null;
  /** The connection whose client end is `address:port`, when the lab saw it open. */
  connectionFrom(address: string, port: number): string | null;
}

interface Waiting {
  row: LadderRow;
  key: string;
}

/** A map that lets its oldest entries go past `max`. */
class Bounded<V> {
  readonly #m = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    return this.#m.get(k);
  }
  set(k: string, v: V): void {
    this.#m.delete(k);
    this.#m.set(k, v);
    while (this.#m.size > this.max) {
      const oldest = this.#m.keys().next().value;
      if (oldest === undefined) break;
      this.#m.delete(oldest);
    }
  }
  delete(k: string): void {
    this.#m.delete(k);
  }
  get size(): number {
    return this.#m.size;
  }
}

function row(
  e: RawEvent,
  id: string,
  from: string,
  to: string,
  protocol: string,
  title: string,
  outcome: RowOutcome,
  reason: string | null,
  facts: Fact[],
): LadderRow {
  return {
    id,
    seq: e.seq,
    lastSeq: e.seq,
    t: e.t,
    logFrom: e.seq,
    shape: 'exchange',
    from,
    to,
    protocol,
    title,
    outcome,
    reason,
    detail: { facts, certificates: [], decisions: [], text: null },
  };
}

function settle(r: LadderRow, e: RawEvent, patch: Partial<LadderRow>, facts: Fact[]): LadderRow {
  return {
    ...r,
    ...patch,
    lastSeq: Math.max(r.lastSeq, e.seq),
    detail: { ...r.detail, facts: [...r.detail.facts, ...facts] },
  };
}

export class WireRows {
  /** TFTP rows waiting for the other end's event, by client lane, server lane and file. */
  readonly #tftp = new Bounded<Waiting>(MAX_WAITING);
  /** Message rows waiting for the other end, by connection, sender, message and the direction awaited. */
  readonly #messages = new Bounded<Waiting[]>(MAX_WAITING);
  /** The latest HTTP row each server device answered, for the event that says more about it. */
  readonly #http = new Bounded<LadderRow>(MAX_WAITING);

  constructor(private readonly lab: WireLookup) {}

  /** Halves waiting for their other end (a test checks this stays bounded). */
  get waiting(): number {
    return this.#tftp.size + this.#messages.size + this.#http.size;
  }

  /** The row `e` opens or settles; null when `e` is not a wire event this module can read. */
  apply(e: RawEvent): LadderRow | null {
    switch (e.kind) {
      case 'tftp.transfer':
        return this.#transfer(e);
      case 'sccp.message':
      case 'sip.message':
        return this.#message(e);
      case 'http.request':
        return this.#request(e);
      default:
        return null;
    }
  }

  // ------------------------------------------------------------------------------------ TFTP

  #transfer(e: RawEvent): LadderRow | null {
    const file = str(e.file);
    const peer = endpoint(e.peer);
    const role = str(e.role);
    if (!file || !peer || (role !== 'server' && role !== 'client')) return null;
    const other = this.lab.deviceAt(peer.address) ?? peer.address;
    const [client, server] = role === 'server' ? [other, e.device] : [e.device, other];
    const complete = str(e.outcome) === 'complete';
    const error = obj(e.error);
    const code = num(error?.code);
    const message = str(error?.message) ?? 'failed';
    const bytes = num(e.bytes);
    const facts: Fact[] = [
      {
        label: `${role} (${e.device})`,
        value: complete
          ? `complete · ${bytes ?? '?'} bytes in ${num(e.blocks) ?? '?'} blocks`
          : `error${code !== null ? ` ${code}` : ''}: ${message}`,
        tone: complete ? 'ok' : 'bad',
      },
      { label: `${role === 'server' ? 'client' : 'server'} address`, value: `${peer.address}:${peer.port}` },
    ];
    // A file the cluster does not have (no CTL in non-secure mode) is routine, not the fault.
    const outcome: RowOutcome = complete ? 'ok' : code === 1 ? 'warn' : 'failed';
    const title = complete ? `TFTP ${file} · ${bytes ?? '?'} bytes` : `TFTP ${file} · ${message}`;
    const key = `${client}|${server}|${file}`;
    const waiting = this.#tftp.get(key);
    if (waiting && !waiting.row.detail.facts.some((f) => f.label.startsWith(`${role} (`))) {
      this.#tftp.delete(key);
      // The worse of the two ends' outcomes is the transfer's (a client timeout after a served file).
      const worse = rank(outcome) > rank(waiting.row.outcome);
      return settle(
        waiting.row,
        e,
        worse ? { title, outcome, reason: complete ? null : `${e.device}: ${message}` } : {},
        facts,
      );
    }
    const r = row(
      e,
      `tftp-${e.seq}`,
      client,
      server,
      'TFTP',
      title,
      outcome,
      complete ? null : `${e.device}: ${message}`,
      [{ label: 'file', value: file }, ...facts],
    );
    this.#tftp.set(key, { row: r, key });
    return r;
  }

  // ------------------------------------------------------------------------------------ SCCP / SIP

  #message(e: RawEvent): LadderRow | null {
    const connId = str(e.connId);
    const message = str(e.message);
    const direction = str(e.direction);
    if (!connId || !message || (direction !== 'sent' && direction !== 'received')) return null;
    const conn = this.lab.connection(connId);
    const protocol = e.kind === 'sccp.message' ? 'SCCP' : 'SIP';
    const otherEnd = conn ? (conn.from === e.device ? conn.to : conn.from) : '?';
    const [sender, receiver] = direction === 'sent' ? [e.device, otherEnd] : [otherEnd, e.device];
    const side: Fact = { label: `${direction} by`, value: e.device };
    const awaited = direction === 'sent' ? 'received' : 'sent';
    const queue = this.#messages.get(`${connId}|${sender}|${message}|${direction}`);
    const waiting = queue?.shift();
    if (waiting) {
      if (queue && queue.length === 0) this.#messages.delete(waiting.key);
      return settle(waiting.row, e, {}, [side]);
    }
    const { title, outcome, reason, facts } =
      protocol === 'SCCP' ? sccpTitle(e, message) : sipTitle(e, message);
    const r = row(e, `msg-${e.seq}`, sender, receiver, protocol, title, outcome, reason, [
      { label: 'connection', value: `${connId}${conn ? ` (${conn.proto.toUpperCase()})` : ''}` },
      side,
      ...facts,
    ]);
    const key = `${connId}|${sender}|${message}|${awaited}`;
    const list = this.#messages.get(key) ?? [];
    list.push({ row: r, key });
    this.#messages.set(key, list);
    return r;
  }

  // ------------------------------------------------------------------------------------ HTTP

  #request(e: RawEvent): LadderRow | null {
    const method = str(e.method);
    const path = str(e.path);
    const status = num(e.status);
    const peer = endpoint(e.peer);
    if (!method || path === null || status === null || !peer) return null;
    const connId = str(e.connId) ?? this.lab.connectionFrom(peer.address, peer.port);
    const conn = connId ? this.lab.connection(connId) : null;
    const client = conn?.from ?? this.lab.deviceAt(peer.address) ?? peer.address;
    const protocol = conn?.proto === 'tls' ? 'HTTPS' : 'HTTP';
    const ok = status < 400;
    const facts: Fact[] = [
      { label: 'service', value: str(e.service) ?? '' },
      { label: 'request', value: `${method} ${path}` },
      { label: 'status', value: String(status), tone: ok ? 'ok' : 'bad' },
    ];
    const host = str(e.host);
    if (host) facts.push({ label: 'Host', value: host });
    const bytes = num(e.bytes);
    if (bytes !== null) facts.push({ label: 'body', value: `${bytes} bytes` });
    if (connId) facts.push({ label: 'connection', value: connId });
    facts.push({ label: 'client', value: `${peer.address}:${peer.port}` });
    const r = row(
      e,
      `http-${e.seq}`,
      client,
      e.device,
      protocol,
      `${method} ${path} → ${status}`,
      ok ? 'ok' : status === 404 ? 'warn' : 'failed',
      ok ? null : `${e.device} answered ${status} to ${method} ${path}`,
      facts,
    );
    this.#http.set(e.device, r);
    return r;
  }

  /**
   * The HTTP row an event about the same request settles (the Expressway's `expressway.mra-request`
   * names the origin check of the request its traffic server answered): that row, with the event's own
   * rendering, so the request shows once. Null when no such row is waiting.
   */
  absorb(
    e: RawEvent,
    spec: { title: string; outcome: RowOutcome; reason: string | null; facts: Fact[]; to: string | null },
  ): LadderRow | null {
    const r = this.#http.get(e.device);
    if (!r || r.detail.facts.every((f) => f.value !== `${str(e.method) ?? ''} ${str(e.path) ?? ''}`))
      return null;
    this.#http.delete(e.device);
    return settle(r, e, { title: spec.title, outcome: spec.outcome, reason: spec.reason }, spec.facts);
  }
}

function rank(o: RowOutcome): number {
  return { ok: 0, info: 0, pending: 0, warn: 1, refused: 2, failed: 2 }[o];
}

function sccpTitle(e: RawEvent, message: string) {
  const detail = str(e.detail);
  const refused = message === 'RegisterReject';
  return {
    title: `${message}${detail ? ` · ${detail}` : ''}`,
    outcome: (refused ? 'refused' : 'ok') as RowOutcome,
    reason: refused ? `RegisterReject: ${detail ?? ''}` : null,
    facts: detail ? [{ label: 'detail', value: detail }] : [],
  };
}

function sipTitle(e: RawEvent, message: string) {
  const status = num(e.status);
  const method = str(e.method) ?? '?';
  const reasonPhrase = str(e.reason) ?? '';
  const cseq = str(e.cseq);
  const callId = str(e.callId);
  const facts: Fact[] = [];
  if (cseq) facts.push({ label: 'CSeq', value: cseq });
  if (callId) facts.push({ label: 'Call-ID', value: callId });
  if (status === null)
    return {
      title: `${message}${cseq ? ` · CSeq ${cseq.split(/\s+/)[0]}` : ''}`,
      outcome: 'ok' as RowOutcome,
      reason: null,
      facts,
    };
  facts.unshift({ label: 'status', value: `${status} ${reasonPhrase}`, tone: status < 400 ? 'ok' : 'bad' });
  // 401/407 is a digest challenge, the usual first answer of a registrar that authenticates.
  const outcome: RowOutcome =
    status < 400 ? 'ok' : status === 401 || status === 407 ? 'warn' : status === 403 ? 'refused' : 'failed';
  return {
    title: `${status} ${reasonPhrase} (${method})`,
    outcome,
    reason: outcome === 'refused' || outcome === 'failed' ? `${status} ${reasonPhrase} to ${method}` : null,
    facts,
  };
}
