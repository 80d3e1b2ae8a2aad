/**
 * Expressway-E (kind 'expressway-e'): the traversal server zone on 7001 with mutual TLS
 * (traversal-server.ts, seed 003), and the MRA edge on 8443, which relays client requests to the
 * Expressway-C traffic server (stream-relay.ts; on the real pair this rides the traversal's SSH
 * tunnel, here it is a fabric TCP connection to the C).
 */
import { z } from 'zod';
import { Device, type DeviceContext, type DeviceDescription } from '../../emulator/device.ts';
import { baseDeviceDecl } from '../../emulator/device-registry.ts';
import type { ByteStream, SecureStream } from '../../emulator/net/types.ts';
import type { Result, UclabError } from '../../emulator/result.ts';
import './events.ts';
import { issueServerCert, LAB_CA_NAMES, labCa, type ServerIdentity, serverCertDecl } from './pki.ts';
import { RELEASE_IDS } from './releases.ts';
import { relay } from './stream-relay.ts';
import { listenTraversal, type TraversalServer } from './traversal-server.ts';
import { trustAppend } from './trust-admin.ts';
import { ExpresswayTrustStore } from './trust-store.ts';

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
      expresswayC: z
        .union([z.string(), z.array(z.string()).min(1)])
        .describe(
          'the Expressway-C whose traffic server serves MRA requests, or the peers of an Expressway-C cluster',
        ),
      trafficServerPort: z.number().int().default(8443),
      port: z.number().int().default(8443),
      sipPort: z.number().int().default(5061).describe("SIP over TLS for MRA clients' registrations"),
      cSipPort: z.number().int().default(5060).describe("the Expressway-C's SIP port it relays them to"),
    })
    .optional(),
});
export type ExpresswayEDecl = z.infer<typeof expresswayEDecl>;

export class ExpresswayE extends Device {
  readonly kind = 'expressway-e';
  readonly #trustStore = new ExpresswayTrustStore();
  #identity: ServerIdentity | null = null;
  #traversal: TraversalServer | null = null;
  /** The next Expressway-C peer to relay to. */
  #nextPeer = 0;

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

  #requireIdentity(): ServerIdentity {
    if (!this.#identity) throw new Error(`${this.name} has not started`);
    return this.#identity;
  }

  async start(): Promise<void> {
    const identity = await issueServerCert(this.#pkiRef, this.name, this.fqdn, {
      signedBy: 'enterprise-ca',
      ...this.decl.certificate,
    });
    this.#identity = identity;
    for (const ca of this.decl.trust) this.#trustStore.append((await labCa(this.#pkiRef, ca)).certPem);
    const t = this.decl.traversal;
    if (t) {
      this.#traversal = await listenTraversal(
        {
          fabric: this.fabric,
          device: this.name,
          address: this.address,
          identity: () => this.#requireIdentity(),
          trust: () => this.#trustStore.pems(),
          log: (text, level) => this.log('tvcs', text, level),
          zone: (e) => this.emit('expressway.traversal-zone', e),
        },
        t.port,
        t.tlsVerifySubjectName,
      );
    }
    const m = this.decl.mra;
    if (m) {
      await this.fabric.listenTls(
        this.name,
        m.port,
        { identities: [{ certPem: identity.certPem, keyPem: identity.keyPem }] },
        {
          onConnection: (c) =>
            void this.#relayToC(c.socket, this.#peer(m.expresswayC), m.trafficServerPort, 'http'),
        },
      );
      // MRA clients register over SIP/TLS to the E; the C forwards to Unified CM (mra-registration.ts).
      await this.fabric.listenTls(
        this.name,
        m.sipPort,
        { identities: [{ certPem: identity.certPem, keyPem: identity.keyPem }] },
        { onConnection: (c) => void this.#relayToC(c.socket, this.#peer(m.expresswayC), m.cSipPort, 'sip') },
      );
    }
  }

  /**
   * The Expressway-C peer for the next MRA connection: each in turn (M: the real E spreads requests
   * over its traversal connections to the cluster's peers; seed 004 has the trust store updated "on all
   * servers of the cluster" because any peer may serve a request).
   */
  #peer(peers: string | string[]): string {
    if (typeof peers === 'string') return peers;
    const p = peers[this.#nextPeer % peers.length] as string;
    this.#nextPeer++;
    return p;
  }

  async #relayToC(
    client: SecureStream,
    expresswayC: string,
    port: number,
    what: 'http' | 'sip',
  ): Promise<void> {
    const up = await this.fabric.connectTcp(this.name, { host: expresswayC, port });
    if (!up.ok) {
      if (what === 'sip') {
        client.destroy();
        return;
      }
      client.end('HTTP/1.1 502 connect failed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const upstream: ByteStream = up.value.socket;
    relay(client, upstream);
  }

  /** Append CA certificate; the traversal zone takes the new list for its next connection. */
  async uploadTrust(pem: string): Promise<Result<{ added: string[]; alreadyPresent: string[] }, UclabError>> {
    const r = trustAppend(
      this.#trustStore,
      pem,
      { log: (text, level) => this.log('management', text, level), emit: this.emit.bind(this) },
      this.ctx.clock.now(),
    );
    if (r.ok) this.#traversal?.reload();
    return r;
  }

  describe(): DeviceDescription {
    const ports: DeviceDescription['ports'] = [];
    if (this.decl.traversal) ports.push({ name: 'traversal', proto: 'tls', port: this.decl.traversal.port });
    if (this.decl.mra) {
      ports.push({ name: 'MRA HTTPS', proto: 'tls', port: this.decl.mra.port });
      ports.push({ name: 'MRA SIP', proto: 'tls', port: this.decl.mra.sipPort });
    }
    return {
      name: this.name,
      kind: this.kind,
      address: this.address,
      aliases: this.aliases,
      ports,
      certificates: this.#identity
        ? [{ name: 'server', file: null, subject: this.#identity.cert.subject.replace(/\n/g, ', ') }]
        : [],
      traversalVerifyName: this.#traversal?.verifyName ?? null,
      traversalPort: this.#traversal?.port ?? null,
    };
  }
}
