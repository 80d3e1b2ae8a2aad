/**
 * Cisco DRF Master and Cisco DRF Local (Disaster Recovery Framework): the Local Agent of every node
 * holds a TLS connection to the Master Agent on the publisher, each end presenting its node's ipsec
 * certificate and checking the other's against ipsec-trust (docs/reference/cucm-certificates.md §1:
 * "ipsec | Cisco DRF Master/Local | ipsec-trust"). A backup runs over these connections, so a Local
 * Agent that cannot connect leaves its node out of every backup ("DRF backup Failure (expired or
 * corrupt certificate)", seed 003).
 *
 * Both agents are Java services: each reads ipsec-trust when it starts and keeps what it read until it
 * is restarted. That is why seed 003 says an ipsec regeneration "Requires restart of DRF (Master) and
 * Local service": a Local Agent that still holds the old ipsec-trust rejects the Master's new
 * certificate, JSSE sends certificate_unknown, and the Master logs seed 003's lines
 * (`drfNetServer.run: Received Client Socket request from /<ip>:<port>` ... `Unable to create
 * input/output stream to client` / `Received fatal alert: certificate_unknown`), again at every retry:
 * seed 003 shows one attempt every 5 to 6 seconds, so the Local Agent retries every 5 s.
 *
 * Not from a seed (modelled): the port, TCP 4040 (Cisco's CUCM TCP and UDP port usage guide lists it
 * for the DRF Master Agent), the Local Agent's own log lines (JSSE's PKIX wording), and the Master's
 * line for an accepted agent.
 */
import type { EventMap, TlsAlert } from '../../emulator/events.ts';
import type {
  ConnectError,
  Fabric,
  Handshake,
  TlsListener,
  TlsServerConfig,
  TrustVerdict,
} from '../../emulator/fabric.ts';
import type { SecureStream } from '../../emulator/net/types.ts';
import { alert } from '../../emulator/tls-alerts.ts';
import type { CertStore } from './cert-store.ts';
import type { Cluster } from './cluster.ts';

export const DRF_MASTER_PORT = 4040;
/** Seed 003: the Local Agent's attempts reach the Master 5 to 6 seconds apart. */
export const DRF_RETRY_MS = 5000;

type LogLevel = 'debug' | 'info' | 'warning' | 'error';

declare module '../../emulator/events.ts' {
  interface EventMap {
    /**
     * One connection attempt between a DRF Local Agent and the Master Agent, as the reporting end saw
     * it: `agent` is that end, `peer` the other end's node (or address), `detail` the reason in the
     * product's words, `alert` the TLS alert sent or received.
     */
    'cucm.drf': {
      agent: 'master' | 'local';
      peer: string;
      state: 'connected' | 'failed';
      detail: string;
      alert: TlsAlert | null;
    };
  }
}

export interface DrfHost {
  readonly name: string;
  readonly fabric: Fabric;
  readonly cluster: Cluster;
  readonly certs: CertStore;
  log(source: string, text: string, level?: LogLevel): void;
  drf(e: EventMap['cucm.drf']): void;
  /** How long a Local Agent waits before it tries the Master again. */
  readonly retryMs: number;
}

/** JSSE's reason for a chain its trust manager refuses (modelled: JSSE wording, not a seed's). */
function jsseReason(chainError: string): string {
  return chainError === 'CERT_HAS_EXPIRED' || chainError === 'CERT_NOT_YET_VALID'
    ? 'sun.security.validator.ValidatorException: PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed'
    : 'sun.security.validator.ValidatorException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target';
}

/**
 * A name check is not part of it: a JSSE SSLSocket checks no host name unless the application asks
 * for endpoint identification, and DRF tells its nodes apart by address ("Validating if client request
 * is from a Node within the Cluster", seed 003).
 */
const NAME_ONLY = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);

/** JSSE's X509TrustManager failure is sent as certificate_unknown, whatever the chain error (seed 003). */
function jsseVerdict(h: Handshake): TrustVerdict {
  if (!h.chainError || NAME_ONLY.has(h.chainError))
    return { accepted: true, reason: 'ipsec certificate trusted' };
  return { accepted: false, reason: jsseReason(h.chainError), alert: alert('certificate_unknown') };
}

/**
 * What the Local Agent's Java stack prints for a connection that never became a session (modelled:
 * the java.net and JSSE exception texts, not a seed's): never the fabric's or Node's own codes.
 */
function javaConnectFailure(e: ConnectError): string {
  if (e.alert) return `javax.net.ssl.SSLHandshakeException: Received fatal alert: ${e.alert.name}`;
  const code = e.code.replace(/^net\./, '');
  if (code === 'ECONNREFUSED') return 'java.net.ConnectException: Connection refused (Connection refused)';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return 'java.net.NoRouteToHostException: No route to host (Host unreachable)';
  if (code === 'ECONNRESET') return 'java.net.SocketException: Connection reset';
  if (/timeout|ETIMEDOUT/i.test(code)) return 'java.net.SocketTimeoutException: connect timed out';
  return 'javax.net.ssl.SSLHandshakeException: Remote host closed connection during handshake';
}

/** The Master Agent on the publisher: TCP 4040, mutual TLS with the ipsec certificate. */
export class DrfMasterAgent {
  #listener: TlsListener | null = null;
  #trust: string[] = [];
  readonly #open = new Set<SecureStream>();
  /** Connections whose accept lines are logged (a failure after the verdict must not log them twice). */
  readonly #greeted = new Set<string>();

  constructor(private readonly h: DrfHost) {}

  #config(): TlsServerConfig {
    return {
      identities: [this.h.certs.tlsIdentity('ipsec')],
      trust: this.#trust,
      requestCert: true,
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.2',
    };
  }

  /** Seed 003's first lines for an accepted socket: which node it is, before the streams are made. */
  #greet(connId: string, remote: { address: string; port: number }): string {
    const node = this.h.cluster.nodeList().find((n) => n.address === remote.address);
    if (this.#greeted.has(connId)) return node?.name ?? remote.address;
    this.#greeted.add(connId);
    const log = (text: string) => this.h.log('drf', text, 'debug');
    log(`drfNetServer.run: Received Client Socket request from /${remote.address}:${remote.port}`);
    log('Validating if client request is from a Node within the Cluster');
    if (node) {
      log(
        `Validated Client. IP = ${remote.address} Hostname = ${node.fqdn}. Request is from a Node within the Cluster`,
      );
      log('drfNetServerWorker.drfNetServerWorker: Socket Object OutputStream to be created');
    }
    return node?.name ?? remote.address;
  }

  #failed(peer: string, detail: string, a: TlsAlert | null): void {
    this.h.log(
      'drf',
      'drfNetServerWorker.drfNetServerWorker: Unable to create input/output stream to client',
      'error',
    );
    this.h.log('drf', detail, 'error');
    this.h.drf({ agent: 'master', peer, state: 'failed', detail, alert: a });
  }

  async start(): Promise<void> {
    this.#trust = this.h.cluster.trust.pems('ipsec-trust');
    this.#listener = await this.h.fabric.listenTls(this.h.name, DRF_MASTER_PORT, this.#config(), {
      verify: (hs) => {
        const peer = this.#greet(hs.connId, hs.remote);
        if (!this.h.cluster.nodeList().some((n) => n.address === hs.remote.address)) {
          const detail = `Client ${hs.remote.address} is not a Node within the Cluster`;
          this.#failed(peer, detail, alert('access_denied'));
          return { accepted: false, reason: detail, alert: alert('access_denied') };
        }
        const v = jsseVerdict(hs);
        if (!v.accepted) this.#failed(peer, v.reason, v.alert ?? null);
        return v;
      },
      onConnection: (c) => {
        const peer = this.#greet(c.handshake.connId, c.remote);
        this.#greeted.delete(c.handshake.connId);
        const socket: SecureStream = c.socket;
        this.#open.add(socket);
        socket.on('close', () => this.#open.delete(socket));
        socket.on('error', () => socket.destroy());
        const detail = `drfNetServerWorker.drfNetServerWorker: Local Agent ${peer} connected`;
        this.h.log('drf', detail, 'info');
        this.h.drf({ agent: 'master', peer, state: 'connected', detail, alert: null });
      },
      onFailure: (e) => {
        const id = e.handshake?.connId ?? e.connId;
        // The Local Agent refused our certificate: its alert arrives through the side channel. (When
        // this end refused, `verify` has logged it.)
        if (e.alert && e.handshake && !e.verdict) {
          const peer = this.#greet(e.handshake.connId, e.handshake.remote);
          this.#failed(peer, `Received fatal alert: ${e.alert.name}`, e.alert);
        }
        if (id) this.#greeted.delete(id);
      },
    });
  }

  /** "Restart Cisco DRF Master": the ipsec certificate and ipsec-trust are read again; agents reconnect. */
  restart(): void {
    this.#trust = this.h.cluster.trust.pems('ipsec-trust');
    this.#listener?.update(this.#config());
    for (const s of [...this.#open]) s.destroy();
  }

  async stop(): Promise<void> {
    for (const s of [...this.#open]) s.destroy();
    await this.#listener?.close();
    this.#listener = null;
  }
}

/** The Local Agent of a node: connects to the Master, holds the connection, retries when it fails or drops. */
export class DrfLocalAgent {
  #trust: string[] = [];
  #socket: SecureStream | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Bumped on every start and stop, so an attempt begun before a restart is dropped when it ends. */
  #generation = 0;
  #running = false;

  constructor(private readonly h: DrfHost) {}

  start(): void {
    this.#running = true;
    this.#generation++;
    this.#trust = this.h.cluster.trust.pems('ipsec-trust');
    void this.#connect(this.#generation);
  }

  /** "Restart Cisco DRF Local": ipsec-trust is read again and the agent connects at once. */
  restart(): void {
    this.stop();
    this.start();
  }

  stop(): void {
    this.#running = false;
    this.#generation++;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#socket?.destroy();
    this.#socket = null;
  }

  #retry(generation: number): void {
    if (!this.#running || generation !== this.#generation) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#connect(generation);
    }, this.h.retryMs);
  }

  async #connect(generation: number): Promise<void> {
    const master = this.h.cluster.publisher;
    let refused: TrustVerdict | null = null;
    const r = await this.h.fabric.connectTls(
      this.h.name,
      { host: master, port: DRF_MASTER_PORT },
      {
        identity: this.h.certs.tlsIdentity('ipsec'),
        trust: this.#trust,
        maxVersion: 'TLSv1.2',
        servername: false,
      },
      (hs) => {
        refused = jsseVerdict(hs);
        return refused;
      },
    );
    if (generation !== this.#generation) {
      if (r.ok) r.value.socket.destroy();
      return;
    }
    if (!r.ok) {
      const own = refused as TrustVerdict | null;
      const detail = own && !own.accepted ? own.reason : javaConnectFailure(r.error);
      this.h.log(
        'drf',
        `drfNetClient: Unable to connect to the Master Agent ${master}:${DRF_MASTER_PORT}: ${detail}`,
        'error',
      );
      this.h.drf({
        agent: 'local',
        peer: master,
        state: 'failed',
        detail,
        alert: own?.alert ?? r.error.alert ?? null,
      });
      this.#retry(generation);
      return;
    }
    const socket: SecureStream = r.value.socket;
    this.#socket = socket;
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (this.#socket === socket) this.#socket = null;
      this.#retry(generation);
    });
    const detail = `drfNetClient: Connected to the Master Agent ${master}:${DRF_MASTER_PORT}`;
    this.h.log('drf', detail, 'info');
    this.h.drf({ agent: 'local', peer: master, state: 'connected', detail, alert: null });
  }
}
