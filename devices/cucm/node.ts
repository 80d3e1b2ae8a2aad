/**
 * A CUCM node (kind 'cucm'): publisher or subscriber. It runs, on its own lab address:
 * TFTP 69 + HTTP 6970 (tftp-service.ts), SCCP 2000/2443 and SIP 5060/5061 (registration.ts), TVS 2445
 * (tvs-server.ts), CAPF 3804 on the publisher (capf-server.ts), Tomcat 8443/6972 (tomcat.ts: see
 * `#startTomcat`), the Certificate Monitor and the admin CLI.
 *
 * Cluster: the publisher's database (trust stores, device table, mixed mode, CTL) is shared with its
 * subscribers through cluster.ts, one of the two documented exceptions to "devices share no state"
 * (README, "How a lab works").
 */
import { createHash, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { type Identity, issueCertificate } from '../../certs/issue.ts';
import { CUCM_UNITS, type CucmUnit, sastTokenProfile } from '../../certs/profiles.ts';
import { parseDuration } from '../../emulator/clock.ts';
import { Device, type DeviceContext, type DeviceDescription } from '../../emulator/device.ts';
import { baseDeviceDecl, type LabView } from '../../emulator/device-registry.ts';
import { err, ok, type Result, type UclabError } from '../../emulator/result.ts';
import { LscStatusCode, lscStatus } from '../protocols/lsc-status.ts';
import { CapfServer } from './capf-server.ts';
import { CertMonitor } from './cert-monitor.ts';
import {
  type CertError,
  CertStore,
  OWN_UNITS,
  type OwnCert,
  type RegenerateOptions,
  type TrustEntry,
  type TrustStoreName,
  type UnitDeclaration,
} from './cert-store.ts';
import { runCli } from './cli.ts';
import { type AlternateTftp, Cluster, clusterFor, type NodeInfo, type PhoneDecl } from './cluster.ts';
import './events.ts';
import {
  ciscoManufacturingFor,
  clusterPkiContext,
  enterpriseCaFor,
  type LabPkiRef,
} from '../../certs/lab-pki.ts';
import { Registration } from './registration.ts';
import { type CucmRelease, type ReleaseBehaviour, releaseBehaviour } from './releases.ts';
import { TftpFiles, TftpService } from './tftp-service.ts';
import { startTomcat, type Tomcat, type TomcatOptions } from './tomcat.ts';
import { buildCtl, buildItl, signerOf } from './trust-files.ts';
import { TvsServer } from './tvs-server.ts';

const unitDecl = z.object({
  key: z.enum(['rsa1024', 'rsa2048', 'rsa4096', 'ec256', 'ec384']).optional(),
  notBefore: z.string().optional().describe('relative to lab start, e.g. -400d'),
  notAfter: z.string().optional().describe('relative to lab start, e.g. +20d, or -1d for already expired'),
  hash: z.enum(['SHA1', 'SHA256', 'SHA384', 'SHA512']).optional(),
  signedBy: z.enum(['self', 'enterprise-ca']).optional(),
  san: z
    .object({
      dns: z.array(z.string()).optional(),
      ip: z.union([z.array(z.string()), z.literal('self')]).optional(),
    })
    .optional(),
});

const phoneDecl = z.object({
  name: z.string().regex(/^SEP[0-9A-Fa-f]{12}$/, 'a phone device name is SEP + 12 hex digits of the MAC'),
  model: z.string().default('CP-8861'),
  protocol: z.enum(['SIP', 'SCCP']).default('SIP'),
  line: z.string().optional(),
  security: z.enum(['non-secure', 'authenticated', 'encrypted']).default('non-secure'),
  tftpEncryptedConfig: z.boolean().optional(),
  capf: z
    .object({
      operation: z.enum(['none', 'install', 'delete', 'troubleshoot']),
      authMode: z.enum(['auth-string', 'null-string', 'existing-lsc', 'existing-mic']).default('null-string'),
      authString: z.string().optional(),
      keySize: z.union([z.literal(1024), z.literal(2048), z.literal(4096)]).optional(),
      curve: z.enum(['P-256', 'P-384', 'P-521']).optional(),
      completesBy: z.string().optional().describe('deadline relative to lab start, e.g. +1d'),
    })
    .optional(),
});

export const cucmDecl = baseDeviceDecl.extend({
  kind: z.literal('cucm'),
  domain: z.string().default('lab.example'),
  release: z.enum(['11.5', '12.5', '14', '15']).default('14'),
  publisher: z.string().optional().describe('name of the publisher; absent = this node is the publisher'),
  mixedMode: z.enum(['none', 'tokenless', 'etoken']).default('none'),
  etokens: z
    .number()
    .int()
    .min(2)
    .max(2)
    .default(2)
    .describe('hardware SAST tokens (a .tlv holds at most 2)'),
  processNodeName: z.enum(['fqdn', 'hostname', 'ip']).default('hostname'),
  ctl: z
    .object({
      alternateTftp: z
        .array(
          z.object({
            host: z.string().min(1).describe('lab host name or IP address of the TFTP server'),
            certificate: z
              .string()
              .optional()
              .describe("PEM of the certificate that signs its files; absent: the publisher's CallManager"),
            role: z.enum(['TFTP', 'CCM+TFTP']).default('TFTP'),
          }),
        )
        .default([]),
    })
    .default({ alternateTftp: [] })
    .describe('CTL contents beyond the cluster nodes (publisher only): alternate TFTP servers'),
  certificates: z.partialRecord(z.enum(CUCM_UNITS), unitDecl).default({}),
  phones: z.array(phoneDecl).default([]),
  sipTrunks: z
    .array(
      z.object({
        name: z.string(),
        destination: z.string(),
        port: z.number().int().optional(),
        x509SubjectName: z.string().optional(),
      }),
    )
    .default([]),
  users: z
    .array(
      z.object({
        id: z.string(),
        devices: z.array(z.string()),
        csf: z
          .object({
            security: z.enum(['non-secure', 'authenticated', 'encrypted']).default('non-secure'),
            securityProfileName: z.string().optional().describe('the phone security profile, FQDN format'),
          })
          .optional()
          .describe("the security of the user's CSF (Jabber) devices"),
      }),
    )
    .default([]),
  certMonitorInterval: z.string().default('24h').describe('Certificate Monitor notification frequency'),
  regenGuard: z.string().default('5m').describe('the CallManager/TVS "modified in the last 5 minutes" guard'),
  capfTimeout: z.string().default('60s').describe('how long CAPF waits for each phone message'),
  tomcatCipherSelection: z
    .object({
      '8443': z.enum(['server', 'client']).optional(),
      '6972': z.enum(['server', 'client']).optional(),
    })
    .default({})
    .describe(
      "how Tomcat picks tomcat vs tomcat-ECDSA per port: 'client' follows the client's cipher order, 'server' keeps RSA first (default: 8443 server, 6972 client, as seed 004 captured)",
    ),
});

export type CucmDecl = z.infer<typeof cucmDecl>;

export interface AdminError extends UclabError {}

export class CucmNodeDevice extends Device {
  readonly kind = 'cucm';
  readonly release: ReleaseBehaviour;
  readonly cluster: Cluster;
  readonly certs: CertStore;
  readonly isPublisher: boolean;
  readonly fqdn: string;
  readonly tftpFiles: TftpFiles;
  readonly #tftp: TftpService;
  readonly #registration: Registration;
  readonly #tvs: TvsServer;
  readonly #capf: CapfServer | null;
  readonly #monitor: CertMonitor;
  readonly #pkiRef: LabPkiRef;
  #tomcat: Tomcat | null = null;
  #started = false;
  #stopped = false;
  #stopTimers: (() => void)[] = [];
  /** Index of the next SAST token to issue (token serials and names derive from it). */
  #nextEtoken = 1;

  constructor(
    readonly decl: CucmDecl,
    ctx: DeviceContext,
  ) {
    const fqdn = `${decl.name}.${decl.domain}`;
    const aliases = decl.aliases.some((a) => a.toLowerCase() === fqdn.toLowerCase())
      ? decl.aliases
      : [...decl.aliases, fqdn];
    super(decl.name, ctx, aliases);
    this.fqdn = fqdn;
    this.release = releaseBehaviour(decl.release as CucmRelease);
    this.isPublisher = !decl.publisher || decl.publisher.toLowerCase() === decl.name.toLowerCase();
    const publisher = this.isPublisher ? decl.name : (decl.publisher as string);
    // Scoped to the lab's timeline: the CA memo of certs/lab-pki.ts is collected with the lab.
    this.#pkiRef = { seed: ctx.seed, start: ctx.clock.start, scope: ctx.timeline };
    this.cluster = clusterFor(
      ctx.fabric,
      publisher,
      () =>
        new Cluster({
          publisher,
          release: decl.release as CucmRelease,
          pki: clusterPkiContext(this.#pkiRef, publisher),
          domain: decl.domain,
        }),
    );
    this.certs = new CertStore({
      node: { host: decl.name, domain: decl.domain },
      nodeName: decl.name,
      nodeAddress: this.address,
      pki: this.cluster.pki,
      trust: this.cluster.trust,
      now: () => Date.now(),
      declared: decl.certificates as Partial<Record<CucmUnit, UnitDeclaration>>,
      enterpriseCa: () => enterpriseCaFor(this.#pkiRef),
    });
    const info: NodeInfo = {
      name: decl.name,
      fqdn,
      address: this.address,
      processNodeName:
        decl.processNodeName === 'fqdn' ? fqdn : decl.processNodeName === 'ip' ? this.address : decl.name,
      isPublisher: this.isPublisher,
      certs: this.certs,
      resetPhones: (match, reason) => this.#registration.reset(match, reason),
    };
    this.cluster.nodes.set(decl.name, info);
    for (const p of decl.phones)
      this.cluster.addPhone(p as PhoneDecl, Date.now(), (d) => ctx.clock.start + parseDuration(d));
    this.cluster.sipTrunks.push(...decl.sipTrunks);
    this.cluster.users.push(...decl.users);
    if (this.isPublisher) {
      this.cluster.addInitializer(() => this.#initClusterDb());
    }
    this.cluster.addInitializer(() => this.certs.init());

    const host = {
      name: this.name,
      fabric: ctx.fabric,
      cluster: this.cluster,
      release: this.release,
      certs: this.certs,
      artifacts: ctx.artifacts,
      log: (source: string, text: string, level?: 'debug' | 'info' | 'warning' | 'error') =>
        this.log(source, text, level),
      now: () => Date.now(),
      node: () => info,
      fileChanged: (file: string, bytes: Buffer) =>
        this.emit('cucm.file-changed', {
          file,
          size: bytes.length,
          md5: createHash('md5').update(bytes).digest('hex'),
        }),
    };
    this.tftpFiles = new TftpFiles(host);
    this.#tftp = new TftpService(host, this.tftpFiles);
    this.#registration = new Registration({
      ...host,
      registered: (e) => this.emit('cucm.registered', e),
      refused: (e) => this.emit('cucm.registration-refused', e),
      unregistered: (e) => this.emit('cucm.unregistered', e),
      resetSent: (e) => this.emit('cucm.reset', e),
    });
    this.#tvs = new TvsServer(host);
    this.#capf =
      this.isPublisher || !this.release.capfOnPublisherOnly
        ? new CapfServer({
            ...host,
            messageTimeoutMs: parseDuration(decl.capfTimeout),
            capfDone: (device, operation, status) => {
              this.emit('cucm.capf', {
                deviceName: device,
                operation,
                status,
                statusName: lscStatus(status)?.name ?? String(status),
              });
              this.cluster.changed(`CAPF ${operation} for ${device}`);
            },
          })
        : null;
    this.#monitor = new CertMonitor(
      {
        name: this.name,
        certs: this.certs,
        now: () => Date.now(),
        alarm: (a) => {
          this.log('certmonitor', a.text, a.severity <= 3 ? 'error' : 'warning');
          this.emit('cucm.alarm', {
            alarm: a.alarm,
            unit: a.unit,
            store: a.store,
            file: a.file,
            expires: a.expires,
            daysLeft: a.daysLeft,
          });
        },
        checked: (n, alarms) =>
          this.log(
            'certmonitor',
            `Certificate Monitor: checked ${n} certificates, ${alarms} alarm(s) raised`,
            'debug',
          ),
      },
      parseDuration(decl.certMonitorInterval),
    );
  }

  /** The publisher seeds the cluster database: factory trust certificates, eTokens. */
  async #initClusterDb(): Promise<void> {
    const cisco = await ciscoManufacturingFor(this.#pkiRef);
    // Seed 002/003/004 trust lists: Cisco's manufacturing CAs ship in CallManager-trust (MIC TLS) and CAPF-trust (MIC auth).
    for (const id of [
      cisco.capRtp001,
      cisco.capRtp002,
      cisco.rootCa2048,
      cisco.rootCaM2,
      cisco.manufacturingCa,
      cisco.manufacturingCaSha2,
    ]) {
      this.cluster.trust.put('CallManager-trust', id.cert, 'Trust Certificate', 'system');
      this.cluster.trust.put('CAPF-trust', id.cert, 'Trust Certificate', 'system');
    }
    if (this.decl.mixedMode === 'etoken') await this.#issueEtokens();
  }

  /** Issues the cluster's eTokens (again, with new ones, when `replace`). */
  async #issueEtokens(replace = false): Promise<void> {
    if (this.cluster.etokens.length > 0 && !replace) return;
    const cisco = await ciscoManufacturingFor(this.#pkiRef);
    const tokens: Identity[] = [];
    for (let n = 0; n < this.decl.etokens; n++) {
      const i = this.#nextEtoken++;
      tokens.push(
        await issueCertificate(
          this.cluster.pki,
          sastTokenProfile(this.cluster.pki, i),
          cisco.manufacturingCa,
        ),
      );
    }
    this.cluster.etokens = tokens;
  }

  get pkiRef(): LabPkiRef {
    return this.#pkiRef;
  }

  get tftpPort(): number {
    return this.#tftp.port;
  }

  async start(): Promise<void> {
    await this.cluster.ready();
    if (this.isPublisher) {
      for (const a of this.decl.ctl.alternateTftp) {
        const r = this.#alternateTftp(a.host, a.certificate, a.role);
        if (!r.ok) throw new Error(`${this.name}: ctl.alternateTftp ${a.host}: ${r.error.message}`);
        this.cluster.alternateTftp.push(r.value);
      }
    }
    if (this.isPublisher && this.decl.mixedMode !== 'none' && !this.cluster.ctl) {
      // A lab declared in mixed mode starts with the CTL already generated.
      this.cluster.mixedMode = this.decl.mixedMode;
      const built = buildCtl(this.cluster, this.release, Math.floor(Date.now() / 1000));
      if (!built.ok) throw new Error(`${this.name}: ${built.error.message}`);
      this.cluster.ctl = { bytes: built.value, modified: Date.now() };
      this.artifacts().write(`tftp/${this.name}/CTLFile.tlv`, built.value);
    }
    await this.#tftp.start();
    await this.#registration.start();
    if (this.release.tvsOnEveryNode || this.isPublisher) await this.#tvs.start();
    await this.#capf?.start();
    await this.#startTomcat();
    this.#writePki();
    this.tftpFiles.itl();
    // Certificate changes anywhere in the cluster: rebuild what depends on them.
    const offTrust = this.cluster.trust.onChange((store) => {
      // OpenSSL's trust list of 2443/5061 is CallManager-trust: a new secure context ("restart
      // CallManager"), live before the upload or delete returns, so the next handshake sees it.
      if (store === 'CallManager-trust' && this.#started && !this.#stopped) this.#registration.updateTls();
      this.#writePki();
    });
    this.#stopTimers.push(offTrust);
    this.#monitor.start();
    this.#started = true;
  }

  override async stop(): Promise<void> {
    this.#stopped = true;
    this.#monitor.stop();
    for (const f of this.#stopTimers.splice(0)) f();
    await this.#stopServices();
  }

  async #stopServices(): Promise<void> {
    await this.#registration.stop();
    await this.#tvs.stop();
    await this.#capf?.stop();
    await this.#tftp.stop();
    await this.#tomcat?.close();
    this.#tomcat = null;
  }

  /**
   * `utils system restart`: every service goes down and comes back. Registered phones lose their
   * connection and register again by themselves (as they do when a real node reboots); TFTP, TVS,
   * CAPF and Tomcat come back with the certificates the node holds now.
   */
  async restartSystem(): Promise<void> {
    this.log('cli', 'Appliance is being Restarted ...');
    this.#registration.dropAll();
    await this.#stopServices();
    await this.#tftp.start();
    await this.#registration.start();
    if (this.release.tvsOnEveryNode || this.isPublisher) await this.#tvs.start();
    await this.#capf?.start();
    await this.#startTomcat();
    this.log('cli', 'The system is up: services started');
  }

  private artifacts() {
    return this.ctx.artifacts;
  }

  #tomcatOptions(): TomcatOptions {
    const ecdsa = this.certs.all().find((c) => c.unit === 'tomcat-ECDSA');
    return {
      identities: {
        tomcat: this.certs.tlsIdentity('tomcat'),
        'tomcat-ECDSA': ecdsa ? this.certs.tlsIdentity('tomcat-ECDSA') : null,
      },
      users: this.cluster.users,
      // HTTPS 6972 serves the same files as TFTP and HTTP 6970.
      resolveFile: (filename) => {
        const f = this.tftpFiles.get(filename.replace(/^\/+/, ''));
        return f ? ok(f.bytes) : err({ status: 404, message: 'File not found' });
      },
      log: (source, text, level) => this.log(source, text, level),
      version: this.release.version,
      servers: () => this.cluster.nodeList().map((n) => n.processNodeName),
      hostName: this.cluster.nodes.get(this.name)?.processNodeName ?? this.name,
      cipherSelection: this.decl.tomcatCipherSelection,
    };
  }

  /** Cisco Tomcat (devices/cucm/tomcat.ts): 8443 UDS and 6972 files. */
  async #startTomcat(): Promise<void> {
    this.#tomcat = await startTomcat(this.fabric, this.name, this.#tomcatOptions());
  }

  #writePki(): void {
    for (const c of this.certs.all()) {
      this.artifacts().write(`pki/${this.name}/own/${c.unit}.pem`, c.identity.certPem);
      this.artifacts().write(`pki/${this.name}/own/${c.unit}.key`, c.identity.keyPem);
    }
    for (const t of this.cluster.trust.list())
      this.artifacts().write(`pki/${this.name}/trust/${t.file}`, t.pem);
  }

  /** Consequences of an own-certificate change (seed 003 "Certificate Regeneration"; TAC-217138). */
  async #onOwnCertChanged(unit: CucmUnit, c: OwnCert): Promise<void> {
    this.emit('cucm.cert-changed', {
      unit,
      serial: c.identity.cert.serialNumber,
      subject: c.identity.cert.subject.replace(/\n/g, ', '),
    });
    this.log(
      'cli',
      `CertMgmt: op:regenerate unit:${unit} serialnumber(${c.identity.cert.serialNumber.toLowerCase()})`,
      'info',
    );
    this.#writePki();
    this.cluster.changed(`${unit} on ${this.name}`);
    const itlRelated = unit === 'CallManager' || unit === 'TVS' || unit === 'CAPF' || unit === 'ITLRecovery';
    if (this.#stopped) return;
    // The services restart onto the new certificate: each port swaps its secure context in place, so
    // a client connecting as soon as this resolves gets the new certificate.
    if (unit === 'CallManager') this.#registration.updateTls();
    if (unit === 'TVS') this.#tvs.restart();
    if (unit === 'CAPF') this.#capf?.restart();
    // "utils service restart Cisco Tomcat" (seed 003: the tomcat certificate needs it).
    if (unit === 'tomcat' || unit === 'tomcat-ECDSA') await this.#tomcat?.restart(this.#tomcatOptions());
    if (itlRelated) {
      this.tftpFiles.itl();
      const where =
        unit === 'CallManager'
          ? 'isITLRelatedRole=SERVICE_CALLMANAGER leads to an active TFTP node'
          : `isITLRelatedRole=CERTIFICATE_SERVICE_${unit.toUpperCase()}`;
      this.log('ccm', `Certificate CNF. ${where}`, 'info');
      // "All the registered phones with callmanager group containing the node will be restarted" (seed 003).
      const n = this.cluster.resetPhones(() => true, `${unit} certificate changed on ${this.name}`);
      this.log('ccm', `Cnf group reset: ${n} device(s) reset after the ${unit} certificate change`, 'info');
    }
  }

  // ------------------------------------------------------------------------------ admin API

  /** The admin CLI, as typed on CUCM (`show cert list own`, `utils ctl ...`, ...). */
  async exec(command: string): Promise<string> {
    this.emit('action', { name: 'cli', detail: `admin:${command}` });
    const output = await runCli(this, command);
    // What the administrator saw: scenario checks and the live view read this, never the node.
    this.emit('cucm.admin', { command, output });
    return output;
  }

  #lastModified(unit: CucmUnit): number {
    return this.certs.own(unit).modifiedAt;
  }

  /**
   * "Generate Self-signed" (`set cert regen <unit>`). CallManager and TVS may not be regenerated
   * within 5 minutes of each other (seed 003): the phones' ITL could not be vouched for any more.
   */
  async regenerate(
    unit: CucmUnit,
    opts: RegenerateOptions & { ignoreGuard?: boolean } = {},
  ): Promise<Result<OwnCert, AdminError>> {
    const guard = parseDuration(this.decl.regenGuard);
    const other = unit === 'TVS' ? 'CallManager' : unit === 'CallManager' ? 'TVS' : null;
    if (other && !opts.ignoreGuard && guard > 0) {
      const otherCert = this.certs.own(other);
      if (otherCert.generation > 1 && Date.now() - this.#lastModified(other) < guard) {
        const message = `${other} certificate was modified in the last 5 minutes. Please re-try regenerating ${unit} certificate at a later time`;
        this.log('cli', message, 'warning');
        return err({ code: 'cert.regen-guard', message });
      }
    }
    const r = await this.certs.regenerate(unit, opts);
    if (r.ok) await this.#onOwnCertChanged(unit, r.value);
    return r;
  }

  generateCsr(unit: CucmUnit): Promise<Result<{ csrPem: string }, CertError>> {
    return this.certs.generateCsr(unit);
  }

  /** Upload of a CA-signed own certificate (with its chain): the same consequences as a regeneration. */
  async uploadCaSigned(
    unit: CucmUnit,
    certPem: string,
    chainPem?: string,
  ): Promise<Result<OwnCert, CertError>> {
    const r = await this.certs.uploadCaSigned(unit, certPem, chainPem);
    if (r.ok) await this.#onOwnCertChanged(unit, r.value);
    return r;
  }

  uploadTrust(store: TrustStoreName, pem: string): Result<TrustEntry[], CertError> {
    const r = this.cluster.trust.upload(store, pem);
    if (r.ok) for (const e of r.value) this.log('cli', `Certificate ${e.file} uploaded to ${store}`, 'info');
    else this.log('cli', r.error.message, 'warning');
    return r;
  }

  /** Deletes trust certificates by file name (`CallManager-trust/x.pem` or `x.pem`), CN or subject text. */
  deleteTrust(store: TrustStoreName, subjectOrFile: string): Result<TrustEntry[], CertError> {
    const needle = subjectOrFile.toLowerCase();
    const gone = this.cluster.trust.remove(store, (e) => {
      const file = e.file.toLowerCase();
      const subject = e.cert.subject.replace(/\n/g, ', ').toLowerCase();
      const cn = /(?:^|\n)CN=([^\n]*)/.exec(e.cert.subject)?.[1]?.toLowerCase() ?? '';
      return file === needle || file.endsWith(`/${needle}`) || cn === needle || subject === needle;
    });
    if (gone.length === 0)
      return err({ code: 'cert.not-found', message: `No certificate ${subjectOrFile} in ${store}` });
    return ok(gone);
  }

  /** Sets a phone's pending CAPF operation (Device > Phone > CAPF Information). */
  setCapfOperation(phoneName: string, op: PhoneDecl['capf'] & object): Result<void, AdminError> {
    const p = this.cluster.phone(phoneName);
    if (!p) return err({ code: 'capf.unknown-device', message: `No device named ${phoneName}` });
    p.capf = {
      ...op,
      deadline: op.completesBy ? this.ctx.clock.start + parseDuration(op.completesBy) : null,
    };
    p.certificateStatus = op.operation === 'none' ? p.certificateStatus : LscStatusCode.OPERATION_PENDING;
    this.cluster.changed(`CAPF operation for ${phoneName}`);
    return ok(undefined);
  }

  /** Resets phones (all, or the named ones) over their registration connection. */
  resetPhones(names?: string[]): number {
    const set = names ? new Set(names.map((n) => n.toUpperCase())) : null;
    return this.cluster.resetPhones(
      (d) => set === null || set.has(d.toUpperCase()),
      'reset from the administrator',
    );
  }

  /** Certificate Monitor notification frequency (a scenario shortens it). */
  setCertMonitorInterval(ms: number): void {
    this.#monitor.setInterval(ms);
  }

  /** Runs one Certificate Monitor pass now; returns the number of alarms raised. */
  runCertMonitor(): number {
    return this.#monitor.check();
  }

  registeredDevices(): string[] {
    return this.#registration.registeredDevices();
  }

  // ------------------------------------------------------------------------------ mixed mode

  async setMixedMode(mode: 'tokenless' | 'etoken'): Promise<Result<void, AdminError>> {
    if (!this.isPublisher)
      return err({
        code: 'ctl.not-publisher',
        message: 'This command can be executed only on the publisher',
      });
    if (mode === 'etoken') await this.#issueEtokens();
    this.cluster.mixedMode = mode;
    const r = this.updateCtl();
    if (!r.ok) return r;
    return ok(undefined);
  }

  /**
   * The CTL client run with a different set of hardware eTokens (the old ones lost or replaced): the
   * new CTL lists and is signed by tokens the phones' installed CTL does not hold (seed 002).
   */
  async replaceEtokens(): Promise<Result<Buffer, AdminError>> {
    if (!this.isPublisher)
      return err({
        code: 'ctl.not-publisher',
        message: 'This command can be executed only on the publisher',
      });
    if (this.cluster.mixedMode !== 'etoken')
      return err({ code: 'ctl.not-etoken', message: 'The cluster does not use hardware eTokens' });
    await this.#issueEtokens(true);
    return this.updateCtl();
  }

  updateCtl(): Result<Buffer, AdminError> {
    if (this.cluster.mixedMode === 'none' && !this.cluster.ctl) {
      return err({
        code: 'ctl.not-mixed',
        message: 'The cluster is not in Mixed mode. Run utils ctl set-cluster mixed-mode first',
      });
    }
    const built = buildCtl(this.cluster, this.release, Math.floor(Date.now() / 1000));
    if (!built.ok) return built;
    this.cluster.ctl = { bytes: built.value, modified: Date.now() };
    for (const n of this.cluster.nodeList())
      this.artifacts().write(`tftp/${n.name}/CTLFile.tlv`, built.value);
    this.emit('cucm.file-changed', {
      file: 'CTLFile.tlv',
      size: built.value.length,
      md5: createHash('md5').update(built.value).digest('hex'),
    });
    this.cluster.changed('CTL updated');
    return ok(built.value);
  }

  #alternateTftp(
    host: string,
    certificatePem: string | undefined,
    role: AlternateTftp['role'],
  ): Result<AlternateTftp, AdminError> {
    const address = this.fabric.resolve(host);
    if (!address.ok) return err({ code: 'ctl.tftp-unknown-host', message: address.error.message });
    let cert: X509Certificate;
    if (certificatePem) {
      try {
        cert = new X509Certificate(certificatePem);
      } catch (e) {
        return err({
          code: 'ctl.tftp-bad-certificate',
          message: `the certificate of TFTP server ${host} is not a PEM certificate: ${(e as Error).message}`,
        });
      }
    } else {
      // A TFTP server that serves this cluster's own files (a relay, another address of the TFTP
      // service): they are signed by the publisher's CallManager certificate.
      const pub = this.cluster.publisherNode();
      if (!pub) return err({ code: 'ctl.no-publisher', message: 'the cluster has no publisher' });
      cert = pub.certs.own('CallManager').identity.cert;
    }
    return ok({ host, address: address.value, cert, role });
  }

  /**
   * The CTL client's "Add TFTP Server" (the CTL client / `utils ctl` flow then regenerates the CTL):
   * an alternate TFTP server, by lab host name or IP, with the certificate that signs its files
   * (absent: it serves this cluster's files, signed by the publisher's CallManager). Replaces an
   * entry of the same host. Returns the new CTL when the cluster has one.
   */
  addCtlTftpServer(
    host: string,
    opts: { certificate?: string; role?: AlternateTftp['role'] } = {},
  ): Result<Buffer | null, AdminError> {
    if (!this.isPublisher)
      return err({
        code: 'ctl.not-publisher',
        message: 'This command can be executed only on the publisher',
      });
    const r = this.#alternateTftp(host, opts.certificate, opts.role ?? 'TFTP');
    if (!r.ok) {
      this.log('cli', r.error.message, 'warning');
      return r;
    }
    const list = this.cluster.alternateTftp;
    const at = list.findIndex((a) => a.host.toLowerCase() === host.toLowerCase());
    if (at >= 0) list.splice(at, 1, r.value);
    else list.push(r.value);
    this.log('cli', `Alternate TFTP server ${host} (${r.value.address}) added to the CTL`, 'info');
    if (!this.cluster.ctl) return ok(null);
    const ctl = this.updateCtl();
    return ctl.ok ? ok(ctl.value) : ctl;
  }

  /** Removes an alternate TFTP server from the CTL (and regenerates the CTL when there is one). */
  removeCtlTftpServer(host: string): Result<Buffer | null, AdminError> {
    const list = this.cluster.alternateTftp;
    const at = list.findIndex((a) => a.host.toLowerCase() === host.toLowerCase() || a.address === host);
    if (at < 0)
      return err({ code: 'ctl.tftp-not-found', message: `No alternate TFTP server ${host} in the CTL` });
    list.splice(at, 1);
    this.log('cli', `Alternate TFTP server ${host} removed from the CTL`, 'info');
    if (!this.cluster.ctl) return ok(null);
    const ctl = this.updateCtl();
    return ctl.ok ? ok(ctl.value) : ctl;
  }

  setNonSecure(): Result<void, AdminError> {
    if (!this.isPublisher)
      return err({
        code: 'ctl.not-publisher',
        message: 'This command can be executed only on the publisher',
      });
    this.cluster.mixedMode = 'none';
    if (this.cluster.ctl) {
      const built = buildCtl(this.cluster, this.release, Math.floor(Date.now() / 1000));
      if (built.ok) this.cluster.ctl = { bytes: built.value, modified: Date.now() };
    }
    this.cluster.changed('cluster set to non-secure mode');
    return ok(undefined);
  }

  /** `utils itl reset localkey|remotekey`: an ITL signed with a recovery key, then every phone reset. */
  itlReset(which: 'localkey' | 'remotekey'): Result<string[], AdminError> {
    const pub = this.cluster.publisherNode();
    const info = this.cluster.nodes.get(this.name);
    if (!pub || !info) return err({ code: 'itl.no-publisher', message: 'the cluster has no publisher' });
    let keyNode = pub;
    if (which === 'remotekey') {
      const other = this.cluster.nodeList().find((n) => n.name !== pub.name);
      if (!other)
        return err({
          code: 'itl.no-remote',
          message: 'No remote node with a recovery key was found in the cluster',
        });
      keyNode = other;
    }
    const tftpNodes = this.cluster.nodeList();
    for (const n of tftpNodes) {
      const built = buildItl(
        this.cluster,
        n,
        this.release,
        Math.floor(Date.now() / 1000),
        signerOf(keyNode, 'ITLRecovery'),
      );
      if (!built.ok) return built;
      if (n.name === this.name) this.tftpFiles.setItlOverride(built.value);
    }
    this.cluster.resetPhones(() => true, `utils itl reset ${which}`);
    return ok(tftpNodes.map((n) => n.name));
  }

  // ------------------------------------------------------------------------------ lab.json

  describe(): DeviceDescription {
    const tcp = (name: string, port: number) => ({ name, proto: 'tcp' as const, port });
    const tls = (name: string, port: number) => ({ name, proto: 'tls' as const, port });
    const certificates: DeviceDescription['certificates'] = this.certs.all().map((c) => ({
      name: c.unit as string,
      file: this.artifacts().pathOf(`pki/${this.name}/own/${c.unit}.pem`),
      subject: c.identity.cert.subject.replace(/\n/g, ', '),
    }));
    for (const t of this.cluster.trust.list()) {
      certificates.push({
        name: t.file,
        file: this.artifacts().pathOf(`pki/${this.name}/trust/${t.file}`),
        subject: t.cert.subject.replace(/\n/g, ', '),
      });
    }
    return {
      name: this.name,
      kind: this.kind,
      address: this.address,
      aliases: this.aliases,
      ports: [
        { name: 'tftp', proto: 'udp', port: this.#tftp.port },
        tcp('tftp-http', 6970),
        tls('tftp-https', 6972),
        tls('tomcat', 8443),
        tcp('sccp', 2000),
        tls('sccp-tls', 2443),
        tcp('sip', 5060),
        tls('sip-tls', 5061),
        tls('tvs', 2445),
        ...(this.#capf ? [tls('capf', 3804)] : []),
      ],
      certificates,
      release: this.decl.release,
      publisher: this.cluster.publisher,
      mixedMode: this.cluster.mixedMode,
      fqdn: this.fqdn,
    };
  }

  /** For lab.json consumers and tests: the units in `show cert list own` order. */
  static get units(): readonly CucmUnit[] {
    return OWN_UNITS;
  }
}

export function createCucm(decl: CucmDecl, ctx: DeviceContext, _lab: LabView): CucmNodeDevice {
  return new CucmNodeDevice(decl, ctx);
}
