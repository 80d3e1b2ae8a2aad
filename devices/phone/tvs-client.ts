/**
 * The phone's TVS client (docs/reference/tvs.md §1): TLS to <TVS member>:2445, server certificate checked against
 * the ITL's TVS record (role 21), one request per connection, answers cached for their TTL (24 h from CUCM).
 * Wire format: devices/protocols/tvs.ts (byte-confirmed against Cisco's hex dumps).
 */
import type { X509Certificate } from 'node:crypto';
import { ciscoIssuer, ciscoSubject, serialBytes } from '../../certs/cisco-dn.ts';
import { deviceCertName } from '../../certs/profiles.ts';
import type { SignerId } from '../../certs/tlv.ts';
import type { Fabric, Handshake, TlsClientConfig, TrustVerdict } from '../../emulator/fabric.ts';
import type { SecureStream } from '../../emulator/net/types.ts';
import { alert } from '../../emulator/tls-alerts.ts';
import {
  type CertVerificationResponse,
  encodeTvs,
  type QueryCertResponse,
  TVS_PORT,
  type TvsMessage,
  tvsFramer,
} from '../protocols/tvs.ts';
import { type PhoneContext, secPrefix } from './context.ts';
import { type TvsVouch, tvsAnswerVerdict, tvsServerVerdict } from './trust-rules.ts';

export interface TvsAnswer {
  status: number;
  roles: number[];
  ttl: number;
  certificate?: Buffer;
}

export interface TvsClientOptions {
  fabric: Fabric;
  device: string;
  /** Who sends: bind on the lab address, or the kernel's choice for real systems. */
  tls: Omit<TlsClientConfig, 'timeoutMs'>;
  /** The phone's rule for the TVS server certificate (ITL role 21). */
  verifyServer: (cert: X509Certificate) => TrustVerdict;
  timeoutMs?: number;
}

let nextSession = 1000;

/** One TVS exchange: connect, send, read one response, close. */
export async function tvsExchange(
  o: TvsClientOptions,
  server: { host: string; port?: number },
  request: TvsMessage,
): Promise<{ ok: true; answer: TvsAnswer; bytesWritten: number } | { ok: false; message: string }> {
  const verify = (h: Handshake): TrustVerdict => {
    const leaf = h.peerChain[0];
    if (!leaf)
      return { accepted: false, reason: 'TVS sent no certificate', alert: alert('handshake_failure') };
    return o.verifyServer(leaf);
  };
  const conn = await o.fabric.connectTls(
    o.device,
    { host: server.host, port: server.port ?? TVS_PORT },
    { ...o.tls, timeoutMs: o.timeoutMs ?? 5000 },
    verify,
  );
  if (!conn.ok) return { ok: false, message: conn.error.verdict?.reason ?? conn.error.message };
  const sock: SecureStream = conn.value.socket;
  const req = { ...request, sessionId: request.sessionId || ++nextSession };
  const bytes = encodeTvs(req);
  return new Promise((resolve) => {
    const framer = tvsFramer();
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ ok: false, message: `no TVS response within ${o.timeoutMs ?? 5000} ms` });
    }, o.timeoutMs ?? 5000);
    const done = (r: Awaited<ReturnType<typeof tvsExchange>>) => {
      clearTimeout(timer);
      sock.end();
      resolve(r);
    };
    sock.on('data', (chunk: Buffer) => {
      for (const m of framer.push(chunk)) {
        if (!m.ok) return done({ ok: false, message: m.error.message });
        const msg = m.value;
        if (msg.type === 'QUERY_CERT_RES' || msg.type === 'CERT_VERIFICATION_RES') {
          const r = msg as QueryCertResponse | CertVerificationResponse;
          return done({
            ok: true,
            bytesWritten: bytes.length,
            answer: {
              status: r.status,
              roles: r.roles,
              ttl: r.ttl,
              ...('certificate' in r && r.certificate ? { certificate: r.certificate } : {}),
            },
          });
        }
      }
    });
    sock.once('close', () => done({ ok: false, message: 'TVS closed the connection without an answer' }));
    sock.write(bytes);
  });
}

interface TvsCacheEntry {
  cert: X509Certificate;
  roles: number[];
  expires: number;
}

function hex(buf: Uint8Array): string {
  return Buffer.from(buf).toString('hex');
}

/**
 * What the phone asks TVS and remembers of the answers: the TVS servers of its config (priority order;
 * before the first config, the TFTP node), a cache of vouched signers for the TTL TVS gave, flushed
 * when a new trust list is installed (docs/reference/trust-files.md §4 step 4: tvsReqFlushTvsCertCache).
 */
export class PhoneTvs {
  readonly #cache = new Map<string, TvsCacheEntry>();

  constructor(
    private readonly p: PhoneContext,
    /** The host the phone boots from: the TVS server it asks before it has a config. */
    private readonly tftpHost: () => string,
    /** A TVS server named by the person running the phone, asked instead of the config's list. */
    private readonly pinned?: { host: string; port: number },
  ) {}

  flush(): void {
    this.#cache.clear();
  }

  #servers(): { host: string; port: number }[] {
    if (this.pinned) return [this.pinned];
    const fromConfig = [...(this.p.config?.tvs ?? [])]
      .sort((a, b) => a.priority - b.priority)
      .map((m) => ({ host: m.address, port: m.port || TVS_PORT }));
    if (fromConfig.length > 0) return fromConfig;
    // Before the first config the phone knows no TVS list: approximation (L), the TFTP node runs TVS too.
    return [{ host: this.tftpHost(), port: TVS_PORT }];
  }

  /** The rule for the TVS server certificate, with the console line the phone prints when it holds. */
  #verifyServer(cert: X509Certificate): TrustVerdict {
    const v = tvsServerVerdict(this.p.trust, cert);
    if (v.accepted)
      this.p.console.line(
        `${secPrefix(this.p.console)}SSL session setup Cert Verification - Role is = 21, Certificate is valid`,
      );
    return v;
  }

  /** One request to the TVS servers in priority order, until one answers and `judge` accepts. */
  async #ask(
    request: TvsMessage,
    judge: (answer: TvsAnswer, server: string) => TvsVouch,
    sent: (bytes: number) => void,
  ): Promise<{ vouch: TvsVouch; server: string | null; reached: boolean; ttl: number }> {
    let last: TvsVouch = { ok: false, why: 'no TVS server' };
    let lastServer: string | null = null;
    let reached = false;
    for (const server of this.#servers()) {
      lastServer = `${server.host}:${server.port}`;
      const r = await tvsExchange(
        {
          fabric: this.p.fabric,
          device: this.p.name,
          tls: this.p.tlsOptions(),
          verifyServer: (c) => this.#verifyServer(c),
          timeoutMs: this.p.timers.tlsTimeoutMs ?? 5000,
        },
        server,
        request,
      );
      if (!r.ok) {
        this.p.console.tvsConnectFailed(r.message);
        last = { ok: false, why: `TVS ${server.host}: ${r.message}` };
        continue;
      }
      reached = true;
      sent(r.bytesWritten);
      this.p.console.tvsResult(r.answer.status, r.answer.ttl);
      last = judge(r.answer, server.host);
      if (last.ok) return { vouch: last, server: lastServer, reached, ttl: r.answer.ttl };
    }
    return { vouch: last, server: lastServer, reached, ttl: 0 };
  }

  #report(
    about: { subject: string; issuer: string; serial: string },
    request: 'query' | 'verification',
    v: TvsVouch,
    outcome: 'vouched' | 'cached' | 'unknown' | 'unreachable',
    server: string | null,
  ): TvsVouch {
    this.p.emit('phone.tvs', {
      ...about,
      request,
      server,
      outcome,
      roles: v.ok ? v.roles : [],
      reason: v.ok ? `TVS vouches for ${about.subject}` : v.why,
    });
    return v;
  }

  /**
   * Asks TVS whether it vouches for `signer` with one of `roles` (cache first). The phone holds only
   * the signer's identifiers (a file header's SIGNERNAME, SERIALNUMBER, CANAME), so it sends the
   * certificate query (docs/reference/tvs.md §3, TAC-213407's dump) and TVS returns the certificate.
   */
  async query(signer: SignerId, roles: readonly number[]): Promise<TvsVouch> {
    const key = `${hex(signer.serial)}|${signer.issuer}`;
    const about = { subject: signer.name, issuer: signer.issuer, serial: hex(signer.serial) };
    const hit = this.#cache.get(key);
    if (hit && hit.expires > Date.now()) {
      this.p.console.line(`${secPrefix(this.p.console)}TVS cache hit for ${signer.name}`);
      return this.#report(about, 'query', { ok: true, cert: hit.cert, roles: hit.roles }, 'cached', null);
    }
    if (!this.p.trust.itl)
      return this.#report(
        about,
        'query',
        { ok: false, why: 'no ITL to check a TVS server against' },
        'unreachable',
        null,
      );
    const r = await this.#ask(
      {
        type: 'QUERY_CERT_REQ',
        sessionId: 0,
        deviceName: deviceCertName(this.p.model, this.p.mac),
        subject: signer.name,
        issuer: signer.issuer,
        serial: Buffer.from(signer.serial),
      },
      (answer, host) => tvsAnswerVerdict(answer, signer, roles, host),
      (bytes) => this.p.console.tvsQuery(bytes),
    );
    if (r.vouch.ok) {
      this.#cache.set(key, { cert: r.vouch.cert, roles: r.vouch.roles, expires: Date.now() + r.ttl * 1000 });
      return this.#report(about, 'query', r.vouch, 'vouched', r.server);
    }
    return this.#report(about, 'query', r.vouch, r.reached ? 'unknown' : 'unreachable', r.server);
  }

  /**
   * Asks TVS whether it vouches for a certificate the phone holds whole (a server's certificate from a
   * TLS handshake): the certificate verification request, device name and the full certificate
   * (docs/reference/tvs.md §3; TAC-118699's HTTPS case; the only request the open-source TVS server
   * answers). TVS answers a status and roles, no certificate: the one vouched for is the one sent.
   */
  async verify(cert: X509Certificate, roles: readonly number[]): Promise<TvsVouch> {
    const key = `cert:${cert.fingerprint256}`;
    const about = { subject: ciscoSubject(cert), issuer: ciscoIssuer(cert), serial: hex(serialBytes(cert)) };
    const prefix = this.p.console.secd ? 'SECD: ' : 'SECUREAPP-';
    const hit = this.#cache.get(key);
    if (hit && hit.expires > Date.now()) {
      this.p.console.line(`${prefix}TVS cache hit for ${about.subject}`);
      return this.#report(
        about,
        'verification',
        { ok: true, cert: hit.cert, roles: hit.roles },
        'cached',
        null,
      );
    }
    if (!this.p.trust.itl)
      return this.#report(
        about,
        'verification',
        { ok: false, why: 'no ITL to check a TVS server against' },
        'unreachable',
        null,
      );
    const r = await this.#ask(
      {
        type: 'CERT_VERIFICATION_REQ',
        sessionId: 0,
        deviceName: deviceCertName(this.p.model, this.p.mac),
        certificate: Buffer.from(cert.raw),
      },
      (answer, host) => verificationVerdict(answer, cert, about.subject, roles, host),
      (bytes) => {
        // The 79xx SECD wording of TAC-118699; 78xx/88xx wording for this request is not public (L).
        if (this.p.console.secd) {
          this.p.console.line('SECD: HTTPS cert not in CTL');
          this.p.console.line('SECD: TVS service available, can attempt via TVS');
          this.p.console.line('SECD: -No matching entry found at cache');
        } else {
          this.p.console.line(
            'SECUREAPP-TVS process request - processing TVS Certificate Verification request',
          );
          this.p.console.line(
            `SECUREAPP-Successfully sent the TVS request to TVS server, bytes written : ${bytes}`,
          );
        }
      },
    );
    if (r.vouch.ok) {
      this.#cache.set(key, { cert, roles: r.vouch.roles, expires: Date.now() + r.ttl * 1000 });
      return this.#report(about, 'verification', r.vouch, 'vouched', r.server);
    }
    return this.#report(about, 'verification', r.vouch, r.reached ? 'unknown' : 'unreachable', r.server);
  }
}

/** TVS's answer to a verification request: valid, with one of the roles the use needs (docs/reference/tvs.md §3). */
export function verificationVerdict(
  answer: TvsAnswer,
  cert: X509Certificate,
  name: string,
  roles: readonly number[],
  server: string,
): TvsVouch {
  if (answer.status !== 0) return { ok: false, why: `TVS ${server} does not know ${name}` };
  if (!answer.roles.some((x) => roles.includes(x)))
    return {
      ok: false,
      why: `TVS vouches for ${name} with roles ${answer.roles.join(',')}, not ${roles.join('/')}`,
    };
  return { ok: true, cert, roles: answer.roles };
}
