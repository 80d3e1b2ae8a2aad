/**
 * Expressway-C (kind 'expressway-c'): the MRA traffic server (traffic-server.ts, seed 004), Unified CM
 * discovery with TLS verify mode (seed 003/004), the trusted CA list and server certificate with
 * Expressway's rules (trust-store.ts), the traversal zone client to Expressway-E on 7001 with mutual
 * TLS and the secure traversal test (seed 003), and the admin CLI commands seed 004 names
 * (`xConfiguration EdgeConfigServer VerifyOriginServer: Off`, `xConfiguration Ciphers ...`).
 *
 * Declare the CUCM nodes before the Expressway-C: discovery runs when the C starts.
 */

import type { X509Certificate } from 'node:crypto';
import { createServer } from 'node:http';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { Identity } from '../../certs/issue.ts';
import { Device, type DeviceContext, type DeviceDescription } from '../../emulator/device.ts';
import { baseDeviceDecl } from '../../emulator/device-registry.ts';
import type { Handshake, TrustVerdict } from '../../emulator/fabric.ts';
import { err, ok, type Result, type UclabError } from '../../emulator/result.ts';
import { alertForVerifyError } from '../../emulator/tls-alerts.ts';
import { httpGetOver } from './https-get.ts';
import { utc } from './log-time.ts';
import { addressInCertificate, chainErrorOf, type OriginConfig, verifyErrorText } from './origin.ts';
import { issueServerCert, LAB_CA_NAMES, labCa } from './pki.ts';
import { ciphersAfterUpgrade, RELEASE_IDS, releaseOf } from './releases.ts';
import { type AllowRule, type EdgeServer, TrafficServer } from './traffic-server.ts';
import { checkServerCertificate, commonNameOf, ExpresswayTrustStore } from './trust-store.ts';

export const serverCertDecl = z.object({
  signedBy: z.enum([...LAB_CA_NAMES, 'self']).optional(),
  eku: z.array(z.enum(['serverAuth', 'clientAuth'])).optional(),
  dns: z.array(z.string()).optional(),
  key: z.enum(['rsa2048', 'rsa4096', 'ec256', 'ec384']).optional(),
  wildcard: z.boolean().optional(),
});

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
});
export type ExpresswayCDecl = z.infer<typeof expresswayCDecl>;

function pyStr(s: string): string {
  return `u'${s.replace(/'/g, "\\'")}'`;
}

const PY_ATTR: Record<string, string> = {
  C: 'countryName',
  ST: 'stateOrProvinceName',
  L: 'localityName',
  O: 'organizationName',
  OU: 'organizationalUnitName',
  CN: 'commonName',
  DC: 'domainComponent',
};

function pyName(dn: string): string {
  const rdns = dn
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const i = l.indexOf('=');
      const k = l.slice(0, i);
      return `(('${PY_ATTR[k] ?? k}', ${pyStr(l.slice(i + 1))}),)`;
    });
  return `(${rdns.join(', ')},)`;
}

/** The certificate as Python's `ssl.getpeercert()` prints it, as seed 003's discovery log shows it. */
export function pythonCertDict(c: X509Certificate): string {
  const san = (c.subjectAltName ?? '')
    .split(/,\s*/)
    .filter(Boolean)
    .map((e) => (e.startsWith('DNS:') ? `('DNS', '${e.slice(4)}')` : `('IP Address', '${e.slice(11)}')`));
  return `{'subjectAltName': (${san.join(', ')}${san.length === 1 ? ',' : ''}), 'notBefore': ${pyStr(c.validFrom)}, 'serialNumber': ${pyStr(c.serialNumber.toUpperCase())}, 'notAfter': '${c.validTo}', 'version': 3L, 'subject': ${pyName(c.subject)}, 'issuer': ${pyName(c.issuer)}}`;
}

export interface DiscoveredCluster {
  publisher: string;
  nodes: string[];
  version: string;
}

export interface TraversalTestResult {
  result: 'Success' | 'Failure';
  description: string;
}

export class ExpresswayC extends Device {
  readonly kind = 'expressway-c';
  readonly trustStore = new ExpresswayTrustStore();
  identity: Identity | null = null;
  verifyOriginServer: 'On' | 'Off';
  ciphers: string;
  readonly #clusters: DiscoveredCluster[] = [];
  readonly #traffic: TrafficServer;

  constructor(
    readonly decl: ExpresswayCDecl,
    ctx: DeviceContext,
  ) {
    super(decl.name, ctx, decl.aliases);
    releaseOf(decl.release);
    this.verifyOriginServer = decl.verifyOriginServer;
    this.ciphers = decl.ciphers ?? ciphersAfterUpgrade(decl.upgradedFrom ?? null, decl.release);
    this.#traffic = new TrafficServer({
      fabric: this.fabric,
      device: this.name,
      selfName: this.fqdn,
      port: decl.trafficServerPort,
      log: (text, level) => this.log('traffic_server', text, level ?? 'info'),
      allowList: () => this.allowList(),
      originConfig: () => this.originConfig(),
      edgeServers: () => this.edgeServers(),
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
    this.identity = await issueServerCert(this.#pkiRef, this.name, this.fqdn, this.decl.certificate);
    for (const ca of this.decl.trust) {
      const r = this.trustStore.append((await labCa(this.#pkiRef, ca)).certPem);
      if (!r.ok) this.log('management', r.error.message, 'warning');
    }
    const http = createServer({ keepAlive: true }, this.#traffic.handle);
    await this.fabric.listenTcp(this.name, this.decl.trafficServerPort, (c) =>
      http.emit('connection', c.socket),
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
      ports: [{ name: 'traffic server (MRA HTTP)', proto: 'tcp', port: this.decl.trafficServerPort }],
      certificates: this.identity
        ? [{ name: 'server', file: null, subject: this.identity.cert.subject.replace(/\n/g, ', ') }]
        : [],
      release: this.decl.release,
      verifyOriginServer: this.verifyOriginServer,
      ciphers: this.ciphers,
    };
  }

  // ------------------------------------------------------------ configuration

  originConfig(): OriginConfig {
    return {
      verify: this.release.verifiesOrigin && this.verifyOriginServer === 'On',
      trust: this.trustStore.pems(),
      ciphers: this.ciphers,
    };
  }

  /** "Automatically generated rule for CUCM server": one set per discovered node, as CUCM advertises it. */
  allowList(): AllowRule[] {
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

  edgeServers(): EdgeServer[] | null {
    if (this.#clusters.length === 0) return null;
    return this.#clusters.flatMap((c) => c.nodes.map((address) => ({ address })));
  }

  get clusters(): readonly DiscoveredCluster[] {
    return this.#clusters;
  }

  /** The admin CLI (`xConfiguration ...`), as typed on the Expressway. */
  async exec(command: string): Promise<string> {
    const line = command.trim();
    this.log('cli', line);
    let m = /^xConfiguration\s+EdgeConfigServer\s+VerifyOriginServer:\s*(On|Off)$/i.exec(line);
    if (m?.[1]) {
      if (!this.release.hasVerifyOriginSetting)
        return `*c xConfiguration Error: EdgeConfigServer VerifyOriginServer is not available on ${this.decl.release}`;
      this.verifyOriginServer = m[1].toLowerCase() === 'on' ? 'On' : 'Off';
      return '** end\n\nOK';
    }
    m = /^xConfiguration\s+Ciphers\s+(\w+):\s*"?([^"]+)"?$/i.exec(line);
    if (m?.[1] && m[2]) {
      // Every list of Maintenance > Security > Ciphers takes the same syntax; the traffic server's
      // connections to Unified CM follow the one set here (the lab keeps a single list).
      this.ciphers = m[2].trim();
      return '** end\n\nOK';
    }
    m = /^xConfiguration\s+EdgeConfigServer\s+VerifyOriginServer$/i.exec(line);
    if (m) return `*c xConfiguration EdgeConfigServer VerifyOriginServer: ${this.verifyOriginServer}\n** end`;
    if (/^xConfiguration\s+Ciphers$/i.test(line))
      return `*c xConfiguration Ciphers: "${this.ciphers}"\n** end`;
    return `*c xConfiguration Error: unknown command: ${line}`;
  }

  uploadTrust(pem: string): Result<{ added: string[]; alreadyPresent: string[] }, UclabError> {
    const r = this.trustStore.append(pem);
    this.log(
      'management',
      r.ok
        ? `Trusted CA certificate appended: ${r.value.added.join('; ') || '(already present)'}`
        : r.error.message,
      r.ok ? 'info' : 'warning',
    );
    return r;
  }

  deleteTrust(subjectOrCn: string): number {
    return this.trustStore.delete(subjectOrCn);
  }

  /** Maintenance > Security > Server certificate > Upload (seed 003 rules). */
  uploadServerCertificate(certPem: string, keyPem: string): Result<{ warnings: string[] }, UclabError> {
    const r = checkServerCertificate(certPem, keyPem);
    if (!r.ok) {
      this.log('management', r.error.message, 'warning');
      return r;
    }
    this.identity = { ...(this.identity as Identity), certPem, keyPem };
    for (const w of r.value.warnings) this.log('management', w, 'warning');
    this.log('management', 'Server certificate uploaded: restart required');
    return ok({ warnings: r.value.warnings });
  }

  // ------------------------------------------------------------ Unified CM discovery

  /**
   * Configuration > Unified Communications > Unified CM servers > New: connects to the publisher's
   * 8443, verifies when TLS verify mode is On (the publisher address entered must be in the SAN/CN, and
   * the chain trusted: seed 003/004), then reads the cluster's nodes as CUCM advertises them.
   */
  async discoverUnifiedCm(
    publisher: string,
    tlsVerify: 'On' | 'Off' = 'Off',
  ): Promise<Result<DiscoveredCluster, UclabError>> {
    let failure: string | null = null;
    const verify = (h: Handshake): TrustVerdict => {
      if (tlsVerify === 'Off') return { accepted: true, reason: 'TLS verify mode Off' };
      const leaf = h.peerChain[0];
      const ce = chainErrorOf(h);
      if (ce) {
        failure = `Detail="Certificate validation failed" Host="${publisher}" Error="[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ${verifyErrorText(ce)}"`;
        return { accepted: false, reason: verifyErrorText(ce), alert: alertForVerifyError(ce) };
      }
      if (!leaf || !addressInCertificate(leaf, publisher)) {
        failure = `Detail="Certificate validation failed" Host="${publisher}" Error="Server presented certificate that does not match host ${publisher}: ${leaf ? pythonCertDict(leaf) : '{}'}"`;
        return {
          accepted: false,
          reason: `${publisher} not in certificate`,
          alert: alertForVerifyError('HOSTNAME_MISMATCH'),
        };
      }
      return { accepted: true, reason: 'certificate valid for the publisher address' };
    };
    const r = await this.fabric.connectTls(
      this.name,
      { host: publisher, port: 8443 },
      {
        trust: this.trustStore.pems(),
        maxVersion: 'TLSv1.2',
        servername: isIP(publisher) ? false : publisher,
      },
      verify,
    );
    if (!r.ok) {
      const detail = failure ?? `Detail="Unable to connect" Host="${publisher}" Error="${r.error.message}"`;
      this.log(
        'management',
        `UTCTime="${utc()}" Module="developer.management.cucmconfig" Level="WARN" CodeLocation="ucqueryrun(100)" ${detail}`,
        'warning',
      );
      return err({
        code: 'expressway.discovery.failed',
        message: `Unable to communicate with ${publisher}. ${failure ? 'TLS verify failed' : r.error.message}`,
      });
    }
    const servers = await httpGetOver(r.value.socket, `${publisher}:8443`, '/cucm-uds/servers');
    if (servers instanceof Error || servers.status !== 200) {
      const why = servers instanceof Error ? servers.message : `HTTP ${servers.status}`;
      this.log(
        'management',
        `UTCTime="${utc()}" Module="developer.management.cucmconfig" Level="WARN" Detail="Unified CM discovery failed" Host="${publisher}" Error="${why}"`,
        'warning',
      );
      return err({
        code: 'expressway.discovery.failed',
        message: `Unified CM discovery of ${publisher} failed: ${why}`,
      });
    }
    const nodes = [...servers.body.toString('utf8').matchAll(/<server>([^<]+)<\/server>/g)]
      .map((m) => m[1] ?? '')
      .filter(Boolean);
    const cluster = { publisher, nodes: nodes.length > 0 ? nodes : [publisher], version: '' };
    const i = this.#clusters.findIndex((c) => c.publisher === publisher);
    if (i >= 0) this.#clusters.splice(i, 1, cluster);
    else this.#clusters.push(cluster);
    this.log(
      'management',
      `UTCTime="${utc()}" Module="developer.management.cucmconfig" Level="INFO" Detail="Unified CM servers discovered" Host="${publisher}" TLS-verify-mode="${tlsVerify}" Nodes="${cluster.nodes.join(',')}"`,
    );
    return ok(cluster);
  }

  // ------------------------------------------------------------ traversal zone (client side)

  /** The traversal client zone's TLS connection to Expressway-E (7001, mutual TLS, seed 003). */
  async connectTraversal(
    peerOverride?: string,
  ): Promise<Result<{ peerCn: string | null }, UclabError & { detail: string }>> {
    const t = this.decl.traversal;
    const peer = peerOverride ?? t?.peer;
    if (!peer || !this.identity)
      return err({
        code: 'expressway.traversal.unconfigured',
        message: 'no traversal zone configured',
        detail: '',
      });
    const port = t?.port ?? 7001;
    let refused: string | null = null;
    const verify = (h: Handshake): TrustVerdict => {
      const leaf = h.peerChain[0];
      const ce = chainErrorOf(h);
      if (ce) {
        refused = 'certificate verify failed';
        return { accepted: false, reason: verifyErrorText(ce), alert: alertForVerifyError(ce) };
      }
      if (!leaf || !addressInCertificate(leaf, peer)) {
        refused = `certificate does not match peer address ${peer}`;
        return { accepted: false, reason: refused, alert: alertForVerifyError('HOSTNAME_MISMATCH') };
      }
      return { accepted: true, reason: 'Expressway-E certificate trusted' };
    };
    const r = await this.fabric.connectTls(
      this.name,
      { host: peer, port },
      {
        identity: { certPem: this.identity.certPem, keyPem: this.identity.keyPem },
        trust: this.trustStore.pems(),
        maxVersion: 'TLSv1.2',
        servername: isIP(peer) ? false : peer,
      },
      verify,
    );
    if (!r.ok) {
      const detail =
        refused ?? (r.error.alert ? `tlsv1 alert ${r.error.alert.name.replace(/_/g, ' ')}` : r.error.message);
      const local = r.error.handshake?.local;
      const remote = r.error.handshake?.remote;
      const dst = this.fabric.resolve(peer);
      const ownCn = commonNameOf(this.identity.cert) ?? this.fqdn;
      this.log(
        'tvcs',
        `Event="Outbound TLS Negotiation Error" Service="SIP" Src-ip="${local?.address ?? this.address}" Src-port="${local?.port ?? 0}" Dst-ip="${remote?.address ?? (dst.ok ? dst.value : peer)}" Dst-port="${port}" Detail="${detail}" Protocol="TLS" Common-name="${ownCn}" Level="1" UTCtime="${utc()}"`,
        'error',
      );
      return err({
        code: 'expressway.traversal.tls',
        message: `traversal zone to ${peer}:${port} failed: ${detail}`,
        detail,
      });
    }
    const peerCn = r.value.handshake.peerChain[0] ? commonNameOf(r.value.handshake.peerChain[0]) : null;
    r.value.socket.end();
    this.log(
      'tvcs',
      `Event="Outbound TLS Connection" Service="SIP" Dst-ip="${r.value.remote.address}" Dst-port="${port}" Common-name="${peerCn ?? ''}" Detail="Zone active" UTCtime="${utc()}"`,
    );
    return ok({ peerCn });
  }

  /**
   * Maintenance > Security > Secure traversal test (seed 003): "FQDN of Expressway-E" and "TLS verify
   * name of this Expressway-C (as it appears on the Expressway-E)". Checks our own certificate holds
   * the verify name, then makes the mutual-TLS connection both ends verify.
   */
  async secureTraversalTest(o: { expresswayE: string; tlsVerifyName: string }): Promise<TraversalTestResult> {
    if (!this.identity) return { result: 'Failure', description: 'No server certificate loaded' };
    if (!addressInCertificate(this.identity.cert, o.tlsVerifyName)) {
      const res = {
        result: 'Failure' as const,
        description: `TLS verify name ${o.tlsVerifyName} is not in the Subject CN or SAN of this Expressway-C's certificate`,
      };
      this.log('management', `Secure traversal test: ${res.result}: ${res.description}`, 'warning');
      return res;
    }
    const r = await this.connectTraversal(o.expresswayE);
    const res: TraversalTestResult = r.ok
      ? { result: 'Success', description: 'Success' }
      : { result: 'Failure', description: r.error.detail };
    this.log(
      'management',
      `Secure traversal test: ${res.result}${r.ok ? '' : `: ${res.description}`}`,
      r.ok ? 'info' : 'warning',
    );
    return res;
  }
}
