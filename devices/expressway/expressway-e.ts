/**
 * Expressway-E (kind 'expressway-e'): the traversal server zone on 7001 with mutual TLS (seed 003: the
 * E checks the C's certificate against its trusted CA list and the zone's TLS verify subject name), and
 * the MRA edge on 8443, which relays client requests to the Expressway-C traffic server (on the real
 * pair this rides the traversal's SSH tunnel; here it is a fabric TCP connection to the C).
 */
import { z } from 'zod';
import type { Identity } from '../../certs/issue.ts';
import { Device, type DeviceContext, type DeviceDescription } from '../../emulator/device.ts';
import { baseDeviceDecl } from '../../emulator/device-registry.ts';
import type { TrustVerdict } from '../../emulator/fabric.ts';
import { asDuplex } from '../../emulator/net/types.ts';
import { alertForVerifyError } from '../../emulator/tls-alerts.ts';
import { serverCertDecl } from './expressway-c.ts';
import { utc } from './log-time.ts';
import { addressInCertificate, chainErrorOf, verifyErrorText } from './origin.ts';
import { issueServerCert, LAB_CA_NAMES, labCa } from './pki.ts';
import { RELEASE_IDS } from './releases.ts';
import { commonNameOf, ExpresswayTrustStore } from './trust-store.ts';

export const expresswayEDecl = baseDeviceDecl.extend({
  kind: z.literal('expressway-e'),
  domain: z.string(),
  release: z.enum(RELEASE_IDS).default('X14.2'),
  certificate: serverCertDecl.default({}),
  trust: z.array(z.enum(LAB_CA_NAMES)).default(['enterprise-ca']),
  traversal: z
    .object({
      port: z.number().int().default(7001),
      tlsVerifySubjectName: z
        .string()
        .describe("the Expressway-C's name as it must appear in its certificate"),
    })
    .optional(),
  mra: z
    .object({
      expresswayC: z.string().describe('the Expressway-C whose traffic server serves MRA requests'),
      trafficServerPort: z.number().int().default(8443),
      port: z.number().int().default(8443),
    })
    .optional(),
});
export type ExpresswayEDecl = z.infer<typeof expresswayEDecl>;

export class ExpresswayE extends Device {
  readonly kind = 'expressway-e';
  readonly trustStore = new ExpresswayTrustStore();
  identity: Identity | null = null;

  constructor(
    readonly decl: ExpresswayEDecl,
    ctx: DeviceContext,
  ) {
    super(decl.name, ctx, decl.aliases);
  }

  get fqdn(): string {
    return this.aliases[0] ?? `${this.name}.${this.decl.domain}`;
  }

  get #pkiRef() {
    return { seed: this.ctx.seed, start: this.ctx.clock.start, scope: this.ctx.timeline };
  }

  async start(): Promise<void> {
    this.identity = await issueServerCert(this.#pkiRef, this.name, this.fqdn, {
      signedBy: 'enterprise-ca',
      ...this.decl.certificate,
    });
    for (const ca of this.decl.trust) this.trustStore.append((await labCa(this.#pkiRef, ca)).certPem);
    const id = { certPem: this.identity.certPem, keyPem: this.identity.keyPem };
    const t = this.decl.traversal;
    if (t) await this.#listenTraversal(t.port, t.tlsVerifySubjectName, id);
    const m = this.decl.mra;
    if (m) {
      await this.fabric.listenTls(
        this.name,
        m.port,
        { identities: [id] },
        {
          onConnection: (c) => {
            void (async () => {
              const up = await this.fabric.connectTcp(this.name, {
                host: m.expresswayC,
                port: m.trafficServerPort,
              });
              if (!up.ok) {
                c.socket.end('HTTP/1.1 502 connect failed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
                return;
              }
              asDuplex(c.socket).pipe(asDuplex(up.value.socket));
              asDuplex(up.value.socket).pipe(asDuplex(c.socket));
              c.socket.on('close', () => up.value.socket.destroy());
              up.value.socket.on('close', () => c.socket.destroy());
            })();
          },
        },
      );
    }
  }

  async #listenTraversal(
    port: number,
    verifyName: string,
    id: { certPem: string; keyPem: string },
  ): Promise<void> {
    const trafficLine = (remote: { address: string; port: number }, detail: string, cn: string) =>
      `Event="Inbound TLS Negotiation Error" Service="SIP" Src-ip="${remote.address}" Src-port="${remote.port}" Dst-ip="${this.address}" Dst-port="${port}" Detail="${detail}" Protocol="TLS" Common-name="${cn}" Level="1" UTCtime="${utc()}"`;
    this.#traversalListener = await this.fabric.listenTls(
      this.name,
      port,
      // The trusted CA list is read per listener start; uploads after start need `restartTraversal()`.
      { identities: [id], trust: this.trustStore.pems(), requestCert: true, maxVersion: 'TLSv1.2' },
      {
        verify: (h): TrustVerdict => {
          const leaf = h.peerChain[0];
          const cn = leaf ? (commonNameOf(leaf) ?? '') : '';
          if (!leaf || chainErrorOf(h)) {
            const code = chainErrorOf(h) ?? 'NO_PEER_CERTIFICATE';
            this.log(
              'tvcs',
              trafficLine(h.remote, `certificate verify failed: ${verifyErrorText(code)}`, cn),
              'error',
            );
            return { accepted: false, reason: verifyErrorText(code), alert: alertForVerifyError(code) };
          }
          if (!addressInCertificate(leaf, verifyName)) {
            this.log(
              'tvcs',
              trafficLine(h.remote, `TLS verify subject name ${verifyName} not in certificate`, cn),
              'error',
            );
            return {
              accepted: false,
              reason: `${verifyName} not in the client certificate`,
              alert: alertForVerifyError('HOSTNAME_MISMATCH'),
            };
          }
          return { accepted: true, reason: 'traversal client certificate trusted' };
        },
        onConnection: (c) => {
          const cn = c.handshake.peerChain[0] ? commonNameOf(c.handshake.peerChain[0]) : '';
          this.log(
            'tvcs',
            `Event="Inbound TLS Connection" Service="SIP" Src-ip="${c.remote.address}" Src-port="${c.remote.port}" Dst-port="${port}" Common-name="${cn}" Detail="Zone active" UTCtime="${utc()}"`,
          );
          c.socket.end();
        },
        onFailure: (e) => {
          if (!e.alert) return;
          const remote = e.handshake?.remote ?? { address: '', port: 0 };
          const cn = this.identity ? (commonNameOf(this.identity.cert) ?? '') : '';
          this.log(
            'tvcs',
            trafficLine(remote, `tlsv1 alert ${e.alert.name.replace(/_/g, ' ')}`, cn),
            'error',
          );
        },
      },
    );
    this.#traversalPort = port;
    this.#traversalVerifyName = verifyName;
  }

  #traversalPort = 0;
  #traversalVerifyName = '';
  #traversalListener: { close(): Promise<void> } | null = null;

  /** Append CA certificate; the traversal listener is reopened so the new list applies. */
  async uploadTrust(pem: string) {
    const r = this.trustStore.append(pem);
    if (r.ok && this.#traversalListener && this.identity) {
      await this.#traversalListener.close();
      await this.#listenTraversal(this.#traversalPort, this.#traversalVerifyName, {
        certPem: this.identity.certPem,
        keyPem: this.identity.keyPem,
      });
    }
    return r;
  }

  describe(): DeviceDescription {
    const ports: DeviceDescription['ports'] = [];
    if (this.decl.traversal) ports.push({ name: 'traversal', proto: 'tls', port: this.decl.traversal.port });
    if (this.decl.mra) ports.push({ name: 'MRA HTTPS', proto: 'tls', port: this.decl.mra.port });
    return {
      name: this.name,
      kind: this.kind,
      address: this.address,
      aliases: this.aliases,
      ports,
      certificates: this.identity
        ? [{ name: 'server', file: null, subject: this.identity.cert.subject.replace(/\n/g, ', ') }]
        : [],
      traversalVerifyName: this.#traversalVerifyName || null,
      traversalPort: this.#traversalPort || null,
    };
  }
}
