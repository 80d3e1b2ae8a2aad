/**
 * Trust Verification Service on TCP 2445 (docs/reference/tvs.md §1): TLS with the node's TVS certificate,
 * server authentication only (docs/reference/tvs.md §2); CERT_VERIFICATION and QUERY_CERT requests (§3) answered from
 * the cluster's certificate database, with CUCM's lookup by serial + issuer ("Unique MAP ID", seed
 * 003: `Looking up the certificate cache using Unique MAP ID : 027865CN=VASANK-DC1-CA;...`).
 *
 * Roles returned (docs/reference/trust-files.md §1.4 codes): CallManager 3 (TFTP; 2 CCM+TFTP in mixed mode; plus 0 SAST when it
 * signs the ITL, releases before 12.0), ITLRecovery 0, CAPF 4, TVS 21, tomcat 7; trust entries by
 * store: Phone-SAST-trust 0, CallManager-trust 1, tomcat-trust 7. (The role table is an
 * approximation, M: TAC-213407 shows `00 03` for a CallManager certificate.)
 */
import { X509Certificate } from 'node:crypto';
import { ciscoIssuer, ciscoSubject, minimalUnsigned, serialBytes } from '../../certs/cisco-dn.ts';
import { sameDn } from '../../certs/ctl.ts';
import type { Fabric, TlsConnection } from '../../emulator/fabric.ts';
import type { SecureStream } from '../../emulator/net/types.ts';
import {
  encodeTvs,
  TVS_DEFAULT_TTL,
  TVS_PORT,
  type TvsMessage,
  TvsStatus,
  tvsFramer,
} from '../protocols/tvs.ts';
import type { CertStore, TrustStoreName } from './cert-store.ts';
import type { Cluster } from './cluster.ts';
import type { ReleaseBehaviour } from './releases.ts';
import { ServiceTlsListener } from './service-listener.ts';

export interface TvsHost {
  readonly name: string;
  readonly fabric: Fabric;
  readonly cluster: Cluster;
  readonly release: ReleaseBehaviour;
  readonly certs: CertStore;
  log(source: string, text: string, level?: 'debug' | 'info' | 'warning' | 'error'): void;
}

export interface TvsLookup {
  cert: X509Certificate;
  roles: number[];
  /** Where it was found: `own:<node>/<unit>` or `<store>/<file>`. */
  where: string;
}

const STORE_ROLES: Partial<Record<TrustStoreName, number[]>> = {
  'Phone-SAST-trust': [0],
  'CallManager-trust': [1],
  'tomcat-trust': [7],
};

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex').toUpperCase();
}

/** Every certificate TVS knows, with its roles: own certificates of every node, then the trust stores. */
export function tvsCandidates(cluster: Cluster, release: ReleaseBehaviour): TvsLookup[] {
  const out: TvsLookup[] = [];
  const mixed = cluster.mixedMode !== 'none';
  for (const n of cluster.nodeList()) {
    for (const own of n.certs.all()) {
      let roles: number[] = [];
      switch (own.unit) {
        case 'CallManager':
          roles = [...(release.itlSigner === 'CallManager' ? [0] : []), mixed ? 2 : 3];
          break;
        case 'ITLRecovery':
          roles = [0];
          break;
        case 'CAPF':
          roles = [4];
          break;
        case 'TVS':
          roles = [21];
          break;
        case 'tomcat':
        case 'tomcat-ECDSA':
          roles = [7];
          break;
        case 'CallManager-ECDSA':
          roles = [1];
          break;
        default:
          roles = [];
      }
      if (roles.length > 0) out.push({ cert: own.identity.cert, roles, where: `own:${n.name}/${own.unit}` });
    }
  }
  for (const e of cluster.trust.list()) {
    const roles = STORE_ROLES[e.store];
    if (roles) out.push({ cert: e.cert, roles, where: e.file });
  }
  return out;
}

export class TvsServer {
  readonly #port: ServiceTlsListener;
  #conn = 90;

  constructor(private readonly h: TvsHost) {
    this.#port = new ServiceTlsListener(h, 'TVS', TVS_PORT);
  }

  async start(): Promise<void> {
    await this.#port.start(
      (c) => this.#serve(c),
      (e, c) => {
        this.h.log(
          'tvs',
          `tvsHandleRequest - session aborted: ${(e as Error)?.message ?? String(e)}`,
          'error',
        );
        c.socket.destroy();
      },
    );
  }

  /** "Restart Cisco Trust Verification Service": new connections get the current TVS certificate at once. */
  restart(): void {
    this.#port.restart();
  }

  async stop(): Promise<void> {
    await this.#port.stop();
  }

  /** Looks a certificate up the way TVS does: by serial + issuer, DB cache first, then the CTL cache. */
  lookup(serialRaw: Uint8Array, issuer: string, session: string): TvsLookup | null {
    const serial = hex(minimalUnsigned(serialRaw));
    const mapId = `${serial}${issuer}`;
    const all = tvsCandidates(this.h.cluster, this.h.release);
    this.h.log(
      'tvs',
      `CertificateDBCACHE::getCertificateInformation - Looking up the certificate cache using Unique MAP ID : ${mapId}`,
      'debug',
    );
    const hit = all.find((c) => hex(serialBytes(c.cert)) === serial && sameDn(ciscoIssuer(c.cert), issuer));
    if (hit) {
      this.h.log(
        'tvs',
        `CertificateDBCACHE::getCertificateInformation - Certificate found in the cache (${hit.where})`,
        'debug',
      );
      this.h.log(
        'tvs',
        `${session}:Roles found for the certificate in cache: ${hit.roles.join(',')}`,
        'debug',
      );
      return hit;
    }
    this.h.log(
      'tvs',
      'ERROR:CertificateDBCACHE::getCertificateInformation - Cannot find the certificate in the cache',
      'debug',
    );
    this.h.log(
      'tvs',
      `CertificateCTLCACHE::getCertificateInformation - Looking up the certificate cache using Unique MAP ID : ${mapId}`,
      'debug',
    );
    this.h.log(
      'tvs',
      'ERROR:CertificateCTLCACHE::getCertificateInformation - Cannot find the certificate in the cache',
      'debug',
    );
    this.h.log('tvs', 'getCertificateInformation(cert) : certificate not found', 'debug');
    this.h.log('tvs', `${session}:No associated roles found for the certificate in cache`, 'debug');
    return null;
  }

  #serve(c: TlsConnection): void {
    const conn = this.#conn++;
    this.h.log('tvs', 'tvsIdleTLSEstablished', 'debug');
    this.h.log('tvs', 'Starting Timer after SSL Negotiation', 'debug');
    const socket: SecureStream = c.socket;
    const framer = tvsFramer();
    // end(), not destroy(): answers already written to this session (a valid request before the bad
    // one in the same chunk) are flushed before the close instead of being dropped with the socket.
    let closing = false;
    const close = () => {
      closing = true;
      socket.end();
    };
    socket.on('data', (chunk: Buffer) => {
      if (closing) return;
      for (const r of framer.push(chunk)) {
        if (!r.ok) {
          this.h.log('tvs', `tvsHandleRequest - invalid TVS message: ${r.error.message}`, 'warning');
          close();
          return;
        }
        let reply: TvsMessage | null;
        try {
          reply = this.#handle(r.value, conn);
        } catch (e) {
          // A request that decodes but holds nonsense (an issuer that is no DN...) ends this session only.
          this.h.log(
            'tvs',
            `tvsHandleRequest - cannot answer ${r.value.type}: ${(e as Error).message}`,
            'warning',
          );
          close();
          return;
        }
        if (reply && !socket.destroyed) socket.write(encodeTvs(reply));
      }
    });
  }

  #handle(m: TvsMessage, conn: number): TvsMessage | null {
    const dev = (name: string) =>
      name && this.h.cluster.phone(name.replace(/^.*-(SEP[0-9A-F]{12})$/i, '$1')) ? name : 'UNKNOWN';
    switch (m.type) {
      case 'CERT_VERIFICATION_REQ': {
        this.h.log('tvs', 'tvsHandleCertVerificationReq', 'debug');
        let cert: X509Certificate;
        try {
          cert = new X509Certificate(m.certificate);
        } catch {
          this.h.log(
            'tvs',
            `${conn}:${dev(m.deviceName)}:certificate in the request does not parse`,
            'warning',
          );
          return {
            type: 'CERT_VERIFICATION_RES',
            sessionId: m.sessionId,
            status: TvsStatus.INVALID,
            roles: [],
            ttl: TVS_DEFAULT_TTL,
          };
        }
        const hit = this.lookup(serialBytes(cert), ciscoIssuer(cert), `${conn}:${dev(m.deviceName)}`);
        // A verification vouches for the very certificate presented, not another with the same serial.
        const same = hit && Buffer.from(hit.cert.raw).equals(Buffer.from(cert.raw));
        return {
          type: 'CERT_VERIFICATION_RES',
          sessionId: m.sessionId,
          status: same ? TvsStatus.VALID : TvsStatus.INVALID,
          roles: same && hit ? hit.roles : [],
          ttl: TVS_DEFAULT_TTL,
        };
      }
      case 'QUERY_CERT_REQ': {
        this.h.log('tvs', 'tvsHandleQueryCertReq', 'debug');
        const hit = this.lookup(m.serial, m.issuer, `${conn}:${dev(m.deviceName)}`);
        if (hit && !sameDn(ciscoSubject(hit.cert), m.subject) && m.subject !== '') {
          this.h.log(
            'tvs',
            `${conn}:${dev(m.deviceName)}:subject ${m.subject} does not match the certificate found`,
            'debug',
          );
        }
        return hit
          ? {
              type: 'QUERY_CERT_RES',
              sessionId: m.sessionId,
              status: TvsStatus.VALID,
              certificate: Buffer.from(hit.cert.raw),
              roles: hit.roles,
              ttl: TVS_DEFAULT_TTL,
            }
          : {
              type: 'QUERY_CERT_RES',
              sessionId: m.sessionId,
              status: TvsStatus.INVALID,
              roles: [],
              ttl: TVS_DEFAULT_TTL,
            };
      }
      default:
        this.h.log('tvs', `tvsHandleRequest - unexpected ${m.type}`, 'warning');
        return null;
    }
  }
}
