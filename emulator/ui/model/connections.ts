/**
 * One ladder row per connection: the fabric gives both ends of a lab connection the same `connId`, so
 * `net.connect`, `tls.handshake`, `tls.verdict`, `tls.failed`, `tls.renegotiation` and `net.close` of
 * either end fold into one exchange between the client's lane and the server's lane, with the verdict
 * that decided it (architecture decision 3: the chain result, then the product's rule and its alert).
 */
import { certList, certView } from './certs.ts';
import { alertText, bool, endpoint, obj, type RawEvent, str } from './fields.ts';
import { serviceOf } from './services.ts';
import type { CertView, Decision, Fact, LadderRow, RowOutcome } from './view.ts';

/** What the connection builder needs to know about the lab: which device has an address, and its kind. */
export interface LabLookup {
  deviceAt(address: string): string | null;
  kindOf(device: string): string | null;
}

interface Side {
  device: string;
  local: { address: string; port: number } | null;
  remote: { address: string; port: number } | null;
}

interface Handshake {
  device: string;
  role: string;
  version: string;
  cipher: string;
  sni: string | null;
  chainError: string | null;
  localCert: CertView | null;
  peerCert: CertView | null;
  peerChain: CertView[];
  renegotiation: boolean;
}

interface Failure {
  device: string;
  role: string;
  code: string;
  message: string;
  alert: string | null;
}

interface Conn {
  id: string;
  seq: number;
  lastSeq: number;
  t: number;
  proto: string;
  client: Side | null;
  server: Side | null;
  handshakes: Handshake[];
  decisions: Decision[];
  failures: Failure[];
  errors: { device: string; code: string; message: string }[];
  renegotiations: { device: string; role: string; outcome: string; detail: string }[];
  closedBy: string[];
  extra: Fact[];
  extraFailure: string | null;
}

/** Kinds this module folds into connection rows. */
export const CONNECTION_KINDS = new Set([
  'net.connect',
  'net.close',
  'net.error',
  'net.timeout',
  'tls.handshake',
  'tls.verdict',
  'tls.failed',
  'tls.renegotiation',
]);

const FAILURE_WORDS = /fail|refus|reject|denied|error|unreachable|timeout|impossible/i;

export class Connections {
  readonly #conns = new Map<string, Conn>();
  /** Connections by their client end (`address:port`), for an event that names only its peer. */
  readonly #byClient = new Map<string, string>();

  constructor(private readonly lab: LabLookup) {}

  has(connId: string): boolean {
    return this.#conns.has(connId);
  }

  /** Connections held (each is one ladder row; the view model lets the oldest go with their rows). */
  get size(): number {
    return this.#conns.size;
  }

  /** The client's and the server's lane of a connection, as its row draws them. */
  connection(connId: string): { from: string; to: string; proto: string } | null {
    const c = this.#conns.get(connId);
    if (!c) return null;
    const { from, to } = this.#lanes(c);
    return { from, to, proto: c.proto };
  }

  connectionFrom(address: string, port: number): string | null {
    return this.#byClient.get(`${address}:${port}`) ?? null;
  }

  /** Forgets a connection whose row left the ladder's window. */
  forget(connId: string): void {
    const c = this.#conns.get(connId);
    if (!c) return;
    this.#conns.delete(connId);
    const client = c.client?.local ?? c.server?.remote;
    if (client && this.#byClient.get(`${client.address}:${client.port}`) === connId)
      this.#byClient.delete(`${client.address}:${client.port}`);
  }

  /** Folds `e` into its connection's row; returns the row, or null when the event names no connection. */
  apply(e: RawEvent): LadderRow | null {
    const connId = str(e.connId);
    if (connId === null) return null;
    let c = this.#conns.get(connId);
    if (!c) {
      c = {
        id: connId,
        seq: e.seq,
        lastSeq: e.seq,
        t: e.t,
        proto: str(e.proto) ?? 'tcp',
        client: null,
        server: null,
        handshakes: [],
        decisions: [],
        failures: [],
        errors: [],
        renegotiations: [],
        closedBy: [],
        extra: [],
        extraFailure: null,
      };
      this.#conns.set(connId, c);
    }
    c.lastSeq = Math.max(c.lastSeq, e.seq);
    const role = str(e.role) ?? '';
    switch (e.kind) {
      case 'net.connect': {
        c.proto = str(e.proto) ?? c.proto;
        const side = { device: e.device, local: endpoint(e.local), remote: endpoint(e.remote) };
        if (role === 'server') c.server = side;
        else c.client = side;
        const client = role === 'server' ? side.remote : side.local;
        if (client) this.#byClient.set(`${client.address}:${client.port}`, connId);
        break;
      }
      case 'tls.handshake':
        c.proto = 'tls';
        c.handshakes.push({
          device: e.device,
          role,
          version: str(e.version) ?? '?',
          cipher: str(e.cipher) ?? '?',
          sni: str(e.sni),
          chainError: str(e.chainError),
          localCert: certView(e.localCert, e.time),
          peerCert: certView(e.peerCert, e.time),
          peerChain: certList(e.peerChain, e.time),
          renegotiation: e.renegotiation === true,
        });
        break;
      case 'tls.verdict':
        c.decisions.push({
          device: e.device,
          role,
          accepted: bool(e.accepted) ?? false,
          reason: str(e.reason) ?? '',
          alert: alertText(e.alert),
          rule: ruleOf(e.rule),
        });
        break;
      case 'tls.failed':
        c.failures.push({
          device: e.device,
          role,
          code: str(e.code) ?? '',
          message: str(e.message) ?? '',
          alert: alertText(e.alert),
        });
        break;
      case 'tls.renegotiation':
        c.renegotiations.push({
          device: e.device,
          role,
          outcome: str(e.outcome) ?? '?',
          detail: str(e.detail) ?? '',
        });
        break;
      case 'net.error':
        c.errors.push({ device: e.device, code: str(e.code) ?? '', message: str(e.message) ?? '' });
        break;
      case 'net.timeout':
        c.errors.push({
          device: e.device,
          code: 'idle timeout',
          message: `closed after ${e.idleMs} ms idle`,
        });
        break;
      case 'net.close':
        c.closedBy.push(e.device);
        break;
      default:
        // A device event about this connection (cucm.registered, a kind added later): shown as facts.
        this.#extra(c, e);
    }
    return this.#row(c);
  }

  #extra(c: Conn, e: RawEvent): void {
    for (const [k, v] of Object.entries(e)) {
      if (['schemaVersion', 'seq', 'time', 't', 'lab', 'device', 'kind', 'connId'].includes(k)) continue;
      c.extra.push({ label: `${e.kind} ${k}`, value: typeof v === 'string' ? v : JSON.stringify(v) });
    }
    const failed =
      bool(e.accepted) === false ||
      bool(e.ok) === false ||
      [e.outcome, e.state, e.result].some((v) => typeof v === 'string' && FAILURE_WORDS.test(v));
    if (failed) c.extraFailure ??= `${e.device}: ${e.kind} ${str(e.reason) ?? str(e.outcome) ?? ''}`.trim();
  }

  #lanes(c: Conn): { from: string; to: string; serverPort: number | null } {
    const serverEp = c.server?.local ?? c.client?.remote ?? null;
    const clientEp = c.client?.local ?? c.server?.remote ?? null;
    const from =
      c.client?.device ?? (clientEp ? (this.lab.deviceAt(clientEp.address) ?? clientEp.address) : '?');
    const to =
      c.server?.device ?? (serverEp ? (this.lab.deviceAt(serverEp.address) ?? serverEp.address) : '?');
    return { from, to, serverPort: serverEp?.port ?? null };
  }

  #row(c: Conn): LadderRow {
    const { from, to, serverPort } = this.#lanes(c);
    const service = serverPort !== null ? serviceOf(serverPort, this.lab.kindOf(to), c.proto) : null;
    const protocol = service ?? c.proto.toUpperCase();
    const hs = c.handshakes.find((h) => h.role === 'client') ?? c.handshakes[0] ?? null;
    const { outcome, reason } = this.#outcome(c, from, to);
    const parts = [service ?? `${c.proto.toUpperCase()} :${serverPort ?? '?'}`];
    if (hs) parts.push(hs.version);
    if (c.renegotiations.length > 0) parts.push('renegotiation');
    const facts: Fact[] = [
      { label: 'connection', value: c.id },
      {
        label: 'client',
        value: `${from} ${fmt(c.client?.local ?? c.server?.remote ?? null)}`,
      },
      { label: 'server', value: `${to} ${fmt(c.server?.local ?? c.client?.remote ?? null)}` },
    ];
    if (hs) {
      facts.push({ label: 'TLS version', value: hs.version }, { label: 'cipher', value: hs.cipher });
    }
    const sni = c.handshakes.find((h) => h.role === 'server')?.sni;
    if (sni) facts.push({ label: 'SNI', value: sni });
    for (const h of c.handshakes) {
      facts.push({
        label: `chain check by ${h.device}${h.renegotiation ? ' (renegotiated)' : ''}`,
        value: h.chainError ?? 'verified',
        tone: h.chainError ? 'warn' : 'ok',
      });
    }
    for (const f of c.failures) {
      facts.push({
        label: `${f.device} (${f.role}) failed`,
        value: `${f.code}: ${f.message}${f.alert ? ` — alert ${f.alert}` : ''}`,
        tone: 'bad',
      });
    }
    for (const r of c.renegotiations) {
      facts.push({
        label: `renegotiation (${r.device})`,
        value: `${r.outcome}: ${r.detail}`,
        tone: r.outcome === 'completed' ? 'ok' : 'bad',
      });
    }
    for (const x of c.errors)
      facts.push({ label: `${x.device} error`, value: `${x.code}: ${x.message}`, tone: 'bad' });
    if (c.closedBy.length > 0) facts.push({ label: 'closed by', value: [...new Set(c.closedBy)].join(', ') });
    facts.push(...c.extra);
    return {
      id: `conn-${c.id}`,
      seq: c.seq,
      lastSeq: c.lastSeq,
      t: c.t,
      logFrom: c.seq,
      shape: 'exchange',
      from,
      to,
      protocol,
      title: parts.join(' · '),
      outcome,
      reason,
      detail: {
        facts,
        certificates: this.#certificates(c, from, to),
        decisions: c.decisions,
        text: null,
      },
    };
  }

  #outcome(c: Conn, from: string, to: string): { outcome: RowOutcome; reason: string | null } {
    const refusal = c.decisions.find((d) => !d.accepted);
    if (refusal) {
      const other = refusal.device === from ? to : from;
      return {
        outcome: 'refused',
        reason: `${refusal.device} refused ${other}'s certificate: ${refusal.reason}${refusal.alert ? ` → alert ${refusal.alert}` : ''}`,
      };
    }
    const failure = c.failures.find((f) => f.alert) ?? c.failures[0];
    if (failure) {
      return {
        outcome: 'failed',
        reason: `${failure.device}: ${failure.message || failure.code}${failure.alert ? ` (alert ${failure.alert})` : ''}`,
      };
    }
    const reneg = c.renegotiations.find((r) => r.outcome !== 'completed');
    if (reneg) return { outcome: 'failed', reason: `renegotiation ${reneg.outcome}: ${reneg.detail}` };
    if (c.extraFailure) return { outcome: 'failed', reason: c.extraFailure };
    const early = c.errors[0];
    if (early && c.handshakes.length === 0 && c.proto === 'tls') {
      return { outcome: 'failed', reason: `${early.device}: ${early.code}: ${early.message}` };
    }
    if (c.proto === 'tls' && c.handshakes.length === 0) {
      return c.closedBy.length > 0
        ? { outcome: 'failed', reason: 'closed before the TLS handshake completed' }
        : { outcome: 'pending', reason: null };
    }
    return { outcome: 'ok', reason: null };
  }

  #certificates(c: Conn, from: string, to: string): { label: string; cert: CertView }[] {
    const out: { label: string; cert: CertView }[] = [];
    const seen = new Set<string>();
    const add = (label: string, cert: CertView | null) => {
      if (!cert) return;
      const key = `${label}|${cert.sha256 || cert.serial}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ label, cert });
    };
    // The server's certificate as the client received it (or as the server says it presented it).
    for (const h of c.handshakes) {
      if (h.role === 'client') {
        add(`${to} presented`, h.peerCert);
        h.peerChain.forEach((cc, i) => {
          add(`${to} chain ${i + 1}`, cc);
        });
        add(`${from} presented`, h.localCert);
      } else {
        add(`${to} presented`, h.localCert);
        add(`${from} presented`, h.peerCert);
        h.peerChain.forEach((cc, i) => {
          add(`${from} chain ${i + 1}`, cc);
        });
      }
    }
    return out;
  }
}

/** The rule a `tls.verdict` names (emulator/events.ts `TrustRule`), when it names one. */
function ruleOf(v: unknown): { id: string; name: string } | null {
  const o = obj(v);
  const id = str(o?.id);
  return id ? { id, name: str(o?.name) ?? '' } : null;
}

function fmt(ep: { address: string; port: number } | null): string {
  return ep ? `${ep.address}:${ep.port}` : '';
}
