/**
 * Expressway-C (kind 'expressway-c'): the MRA traffic server (traffic-server.ts, seed 004), Unified CM
 * discovery with TLS verify mode (unified-cm-discovery.ts, seed 003/004), the trusted CA list and
 * server certificate with Expressway's rules (trust-store.ts), the traversal zone client to
 * Expressway-E on 7001 with the secure traversal test (traversal-client.ts, seed 003), and the admin
 * CLI (admin-cli.ts). Every admin action puts its outcome on the timeline (events.ts).
 *
 * Declare the CUCM nodes before the Expressway-C: discovery runs when the C starts.
 */

import { X509Certificate } from 'node:crypto';
import { createServer } from 'node:http';
import { z } from 'zod';
import { Device, type DeviceContext, type DeviceDescription } from '../../emulator/device.ts';
import { baseDeviceDecl } from '../../emulator/device-registry.ts';
import { asDuplex } from '../../emulator/net/types.ts';
import { err, ok, type Result, type UclabError } from '../../emulator/result.ts';
import { refreshUnifiedCm, runXCli } from './admin-cli.ts';
import { serveMraSip } from './mra-registration.ts';
import './events.ts';
import type { OriginConfig } from './origin.ts';
import { issueServerCert, LAB_CA_NAMES, labCa, type ServerIdentity, serverCertDecl } from './pki.ts';
import { ciphersAfterUpgrade, RELEASE_IDS, releaseOf } from './releases.ts';
import { type AllowRule, type EdgeServer, TrafficServer } from './traffic-server.ts';
import {
  connectTraversal,
  secureTraversalTest,
  type TraversalClientHost,
  type TraversalError,
  type TraversalTestResult,
} from './traversal-client.ts';
import { serverCertificateUpload, trustAppend, trustDelete } from './trust-admin.ts';
import { ExpresswayTrustStore } from './trust-store.ts';
import { type DiscoveredCluster, discoverUnifiedCm } from './unified-cm-discovery.ts';

export type { DiscoveredCluster, TraversalTestResult };

export const expresswayCDecl = baseDeviceDecl.extend({
  kind: z.literal('expressway-c'),
  domain: z.string().describe('the MRA domain, e.g. lab.example'),
  release: z.enum(RELEASE_IDS).default('X14.2'),
  upgradedFrom: z
    .enum(RELEASE_IDS)
    .optional()
    .describe('upgrade path: decides whether the RSA cipher prefix is kept (seed 004)'),
  ciphers: z
    .string()
    .optional()
    .describe('xConfiguration Ciphers for the traffic server; default from release and upgrade path'),
  verifyOriginServer: z.enum(['On', 'Off']).default('On'),
  certificate: serverCertDecl.default({}),
  trust: z
    .array(z.enum(LAB_CA_NAMES))
    .default(['enterprise-ca'])
    .describe('lab CAs in the trusted CA list at start'),
  unifiedCm: z
    .array(
      z.object({
        publisher: z.string().describe('Unified CM publisher address as entered on the Expressway'),
        tlsVerify: z.enum(['On', 'Off']).default('Off'),
      }),
    )
    .default([]),
  traversal: z
    .object({
      peer: z.string().describe('Expressway-E address (peer of the traversal client zone)'),
      port: z.number().int().default(7001),
    })
    .optional(),
  trafficServerPort: z.number().int().default(8443),
  sipPort: z
    .number()
    .int()
    .default(5060)
    .describe("where the Expressway-E relays MRA clients' SIP (the lab's stand-in for the traversal zone)"),
});
export type ExpresswayCDecl = z.infer<typeof expresswayCDecl>;

export class ExpresswayC extends Device {
  readonly kind = 'expressway-c';
  readonly #trustStore = new ExpresswayTrustStore();
  #identity: ServerIdentity | null = null;
  #verifyOriginServer: 'On' | 'Off';
  #ciphers: string;
  readonly #clusters: DiscoveredCluster[] = [];
  readonly #traffic: TrafficServer;

  constructor(
    readonly decl: ExpresswayCDecl,
    ctx: DeviceContext,
  ) {
    super(decl.name, ctx, decl.aliases);
    releaseOf(decl.release);
    this.#verifyOriginServer = decl.verifyOriginServer;
    this.#ciphers = decl.ciphers ?? ciphersAfterUpgrade(decl.upgradedFrom ?? null, decl.release);
    this.#traffic = new TrafficServer({
      fabric: this.fabric,
      device: this.name,
      selfName: this.fqdn,
      port: decl.trafficServerPort,
      log: (text, level) => this.log('traffic_server', text, level ?? 'info'),
      request: (e) => this.emit('expressway.mra-request', e),
      allowList: () => this.#allowList(),
      originConfig: () => this.#originConfig(),
      edgeServers: () => this.#edgeServers(),
    });
  }

  get fqdn(): string {
    return this.aliases[0] ?? `${this.name}.${this.decl.domain}`;
  }

  get release() {
    return releaseOf(this.decl.release);
  }

  get #pkiRef() {
    return { seed: this.ctx.seed, start: this.ctx.clock.start, scope: this.ctx.timeline };
  }

  async start(): Promise<void> {
    this.#identity = await issueServerCert(this.#pkiRef, this.name, this.fqdn, this.decl.certificate);
    for (const ca of this.decl.trust) {
      const r = this.#trustStore.append((await labCa(this.#pkiRef, ca)).certPem);
      if (!r.ok) this.log('management', r.error.message, 'warning');
    }
    const http = createServer({ keepAlive: true }, this.#traffic.handle);
    // node:http takes its connections as Node duplexes; the fabric's streams are that underneath.
    await this.fabric.listenTcp(this.name, this.decl.trafficServerPort, (c) =>
      http.emit('connection', asDuplex(c.socket)),
    );
    await this.fabric.listenTcp(this.name, this.decl.sipPort, (c) =>
      serveMraSip(
        {
          fabric: this.fabric,
          device: this.name,
          identity: () => this.#identity,
          trust: () => this.#trustStore.pems(),
          nodes: () => this.#clusters.flatMap((cl) => cl.nodes),
          log: (text, level) => this.log('tvcs', text, level),
          registration: (e) => this.emit('expressway.mra-registration', e),
        },
        c.socket,
      ),
    );
    for (const u of this.decl.unifiedCm) await this.discoverUnifiedCm(u.publisher, u.tlsVerify);
    if (this.decl.traversal) await this.connectTraversal();
  }

  describe(): DeviceDescription {
    return {
      name: this.name,
      kind: this.kind,
      address: this.address,
      aliases: this.aliases,
      ports: [
        { name: 'traffic server (MRA HTTP)', proto: 'tcp', port: this.decl.trafficServerPort },
        { name: 'MRA SIP (from the Expressway-E)', proto: 'tcp', port: this.decl.sipPort },
      ],
      certificates: this.#identity
        ? [{ name: 'server', file: null, subject: this.#identity.cert.subject.replace(/\n/g, ', ') }]
        : [],
      release: this.decl.release,
      verifyOriginServer: this.#verifyOriginServer,
      ciphers: this.#ciphers,
    };
  }

  // ------------------------------------------------------------ what the traffic server reads

  #originConfig(): OriginConfig {
    return {
      verify: this.release.verifiesOrigin && this.#verifyOriginServer === 'On',
      trust: this.#trustStore.pems(),
      ciphers: this.#ciphers,
    };
  }

  /** "Automatically generated rule for CUCM server": one set per discovered node, as CUCM advertises it. */
  #allowList(): AllowRule[] {
    const type = 'Automatically generated rule for CUCM server';
    return this.#clusters.flatMap((c) =>
      c.nodes.flatMap((n) => [
        { prefix: `https://${n}:8443/cucm-uds/user/`, type },
        { prefix: `https://${n}:8443/cucm-uds/`, type },
        { prefix: `https://${n}:6970/`, type },
        { prefix: `https://${n}:6972/`, type },
      ]),
    );
  }

  #edgeServers(): EdgeServer[] | null {
    if (this.#clusters.length === 0) return null;
    return this.#clusters.flatMap((c) => c.nodes.map((address) => ({ address })));
  }

  // ------------------------------------------------------------ admin actions

  /** The admin CLI (`xConfiguration ...`), as typed on the Expressway. */
  async exec(command: string): Promise<string> {
    const line = command.trim();
    this.log('cli', line);
    const r = runXCli(line, {
      release: this.release,
      verifyOriginServer: this.#verifyOriginServer,
      ciphers: this.#ciphers,
    });
    if (r.change.verifyOriginServer) this.#verifyOriginServer = r.change.verifyOriginServer;
    if (r.change.ciphers) this.#ciphers = r.change.ciphers;
    const output =
      r.action === 'refresh-unified-cm'
        ? await refreshUnifiedCm(this.decl.unifiedCm, (u) => this.discoverUnifiedCm(u.publisher, u.tlsVerify))
        : r.output;
    this.emit('expressway.admin', { command: line, output, ok: r.ok });
    return output;
  }

  /** Maintenance > Security > Trusted CA certificate > Append CA certificate. */
  uploadTrust(pem: string): Result<{ added: string[]; alreadyPresent: string[] }, UclabError> {
    return trustAppend(this.#trustStore, pem, this.#admin, this.ctx.clock.now());
  }

  /** Maintenance > Security > Trusted CA certificate > Delete (by CN or one-line subject). */
  deleteTrust(subjectOrCn: string): number {
    return trustDelete(this.#trustStore, subjectOrCn, this.#admin);
  }

  /** The trusted CA list as the GUI's "Show all (PEM file)" gives it. */
  trustedCaPem(): string {
    const pem = this.#trustStore.pems().join('');
    this.emit('action', {
      name: 'show trusted CA certificates (PEM file)',
      detail: `${this.#trustStore.entries().length} certificate(s)`,
    });
    return pem;
  }

  /** Maintenance > Security > Server certificate > Upload (seed 003 rules). */
  uploadServerCertificate(certPem: string, keyPem: string): Result<{ warnings: string[] }, UclabError> {
    const r = serverCertificateUpload(certPem, keyPem, this.#admin);
    if (!r.ok) return r;
    this.#identity = { cert: new X509Certificate(certPem), certPem, keyPem };
    return ok({ warnings: r.value.warnings });
  }

  get #admin() {
    return {
      log: (text: string, level: 'info' | 'warning') => this.log('management', text, level),
      emit: this.emit.bind(this),
    };
  }

  /**
   * Configuration > Unified Communications > Unified CM servers > New: connects to the publisher's
   * 8443 and reads the cluster's nodes (unified-cm-discovery.ts); the outcome goes on the timeline.
   */
  async discoverUnifiedCm(
    publisher: string,
    tlsVerify: 'On' | 'Off' = 'Off',
  ): Promise<Result<DiscoveredCluster, UclabError>> {
    const r = await discoverUnifiedCm(
      {
        fabric: this.fabric,
        device: this.name,
        trust: () => this.#trustStore.pems(),
        log: (text, level) => this.log('management', text, level),
      },
      publisher,
      tlsVerify,
    );
    if (!r.ok) {
      this.emit('expressway.discovery', {
        publisher,
        tlsVerify,
        outcome: 'failed',
        nodes: [],
        message: r.error.message,
        detail: r.error.detail,
      });
      return err({ code: r.error.code, message: r.error.message });
    }
    const cluster = r.value;
    const i = this.#clusters.findIndex((c) => c.publisher === publisher);
    if (i >= 0) this.#clusters.splice(i, 1, cluster);
    else this.#clusters.push(cluster);
    this.emit('expressway.discovery', {
      publisher,
      tlsVerify,
      outcome: 'discovered',
      nodes: cluster.nodes,
      message: `Unified CM servers discovered: ${cluster.nodes.join(', ')}`,
      detail: null,
    });
    return ok(cluster);
  }

  // ------------------------------------------------------------ traversal zone (client side)

  get #traversalHost(): TraversalClientHost {
    return {
      fabric: this.fabric,
      device: this.name,
      address: this.address,
      fqdn: this.fqdn,
      identity: () => this.#identity,
      trust: () => this.#trustStore.pems(),
      log: (source, text, level) => this.log(source, text, level),
      zone: (e) => this.emit('expressway.traversal-zone', e),
    };
  }

  /** The traversal client zone's TLS connection to Expressway-E (7001, mutual TLS, seed 003). */
  async connectTraversal(peerOverride?: string): Promise<Result<{ peerCn: string | null }, TraversalError>> {
    const peer = peerOverride ?? this.decl.traversal?.peer;
    if (!peer)
      return err({
        code: 'expressway.traversal.unconfigured',
        message: 'no traversal zone configured',
        detail: '',
        alert: null,
      });
    return connectTraversal(this.#traversalHost, peer, this.decl.traversal?.port ?? 7001);
  }

  /** Maintenance > Security > Secure traversal test (seed 003); the result goes on the timeline. */
  async secureTraversalTest(o: { expresswayE: string; tlsVerifyName: string }): Promise<TraversalTestResult> {
    const res = await secureTraversalTest(this.#traversalHost, {
      ...o,
      port: this.decl.traversal?.port ?? 7001,
    });
    this.emit('expressway.traversal-test', { ...o, ...res });
    return res;
  }
}
