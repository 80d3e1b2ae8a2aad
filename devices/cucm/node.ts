/**
 * A CUCM node (kind 'cucm'): publisher or subscriber, composed of
 * - its declaration (declaration.ts) and its own certificates (cert-store.ts);
 * - its services on its own lab address (services.ts): TFTP 69 + HTTP 6970, SCCP 2000/2443 and SIP
 *   5060/5061, TVS 2445, CAPF 3804 on the publisher, Tomcat 8443/6972;
 * - what a certificate change causes (cert-consequences.ts, a table applied here);
 * - the admin API (admin.ts, security-mode.ts, and the CLI of cli.ts over admin-api.ts), each action
 *   leaving a `cucm.admin-action` event with its outcome (devices/cucm/events.ts);
 * - the Certificate Monitor (cert-monitor.ts).
 *
 * Cluster: the publisher's database (trust stores, device table, mixed mode, CTL, the call directory)
 * is shared with its subscribers through cluster.ts, one of the two documented exceptions to "devices
 * share no state" (README, "How a lab works").
 */
import {
  ciscoManufacturingFor,
  clusterPkiContext,
  enterpriseCaFor,
  type LabPkiRef,
} from '../../certs/lab-pki.ts';
import type { CucmUnit } from '../../certs/profiles.ts';
import { parseDuration } from '../../emulator/clock.ts';
import { Device, type DeviceContext, type DeviceDescription } from '../../emulator/device.ts';
import type { LabView } from '../../emulator/device-registry.ts';
import { ok, type Result, type UclabError } from '../../emulator/result.ts';
import { NodeAdmin } from './admin.ts';
import { OWN_CERT_CHANGE, TRUST_STORE_CHANGE } from './cert-consequences.ts';
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
import { runCli, UNSUCCESSFUL } from './cli.ts';
import { type AlternateTftp, Cluster, clusterFor, type NodeInfo, type PhoneDecl } from './cluster.ts';
import type { CucmDecl } from './declaration.ts';
import type { CucmAdminAction } from './events.ts';
import './events.ts';
import { type CucmRelease, type ReleaseBehaviour, releaseBehaviour } from './releases.ts';
import { type AdminError, type EtokenLogin, SecurityMode } from './security-mode.ts';
import { NodeServices } from './services.ts';
import type { TftpFiles } from './tftp-service.ts';

export { type CucmDecl, cucmDecl } from './declaration.ts';
export type { AdminError, EtokenLogin } from './security-mode.ts';

export class CucmNodeDevice extends Device {
  readonly kind = 'cucm';
  readonly release: ReleaseBehaviour;
  readonly cluster: Cluster;
  readonly certs: CertStore;
  readonly isPublisher: boolean;
  readonly fqdn: string;
  readonly tftpFiles: TftpFiles;
  readonly #services: NodeServices;
  readonly #admin: NodeAdmin;
  readonly #security: SecurityMode;
  readonly #monitor: CertMonitor;
  readonly #pkiRef: LabPkiRef;
  #started = false;
  #stopped = false;
  #stopTimers: (() => void)[] = [];

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
      resetPhones: (match, reason) => this.#services.resetPhones(match, reason),
    };
    this.cluster.nodes.set(decl.name, info);
    const deadline = (d: string) => ctx.clock.start + parseDuration(d);
    for (const p of decl.phones) this.cluster.addPhone(p as PhoneDecl, Date.now(), deadline);
    this.cluster.sipTrunks.push(...decl.sipTrunks);
    this.cluster.users.push(...decl.users);
    if (this.isPublisher) this.cluster.addInitializer(() => this.#initClusterDb());
    this.cluster.addInitializer(() => this.certs.init());

    const log = (source: string, text: string, level?: 'debug' | 'info' | 'warning' | 'error') =>
      this.log(source, text, level);
    this.#services = new NodeServices({
      name: this.name,
      fabric: ctx.fabric,
      cluster: this.cluster,
      release: this.release,
      certs: this.certs,
      artifacts: ctx.artifacts,
      isPublisher: this.isPublisher,
      decl,
      duration: parseDuration,
      node: () => info,
      log,
      emit: (kind, payload) => this.emit(kind, payload),
    });
    this.tftpFiles = this.#services.tftpFiles;
    this.#admin = new NodeAdmin({
      cluster: this.cluster,
      certs: this.certs,
      regenGuardMs: parseDuration(decl.regenGuard),
      deadline,
      log,
      ownCertChanged: (unit, c) => this.#onOwnCertChanged(unit, c),
    });
    this.#security = new SecurityMode({
      name: this.name,
      isPublisher: this.isPublisher,
      cluster: this.cluster,
      release: this.release,
      fabric: ctx.fabric,
      artifacts: ctx.artifacts,
      tftpFiles: this.tftpFiles,
      pkiRef: this.#pkiRef,
      etokens: decl.etokens,
      etokenPassword: decl.etokenPassword,
      log,
      fileChanged: (e) => this.emit('cucm.file-changed', e),
    });
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
    if (this.decl.mixedMode === 'etoken') await this.#security.issueEtokens();
  }

  get pkiRef(): LabPkiRef {
    return this.#pkiRef;
  }

  get tftpPort(): number {
    return this.#services.tftpPort;
  }

  async start(): Promise<void> {
    await this.cluster.ready();
    const declared = this.#security.startDeclared(this.decl.mixedMode, this.decl.ctl.alternateTftp);
    if (!declared.ok) throw new Error(`${this.name}: ${declared.error.message}`);
    await this.#services.start();
    this.#writePki();
    this.tftpFiles.itl();
    // Trust changes anywhere in the cluster: the services that check against the store restart.
    const offTrust = this.cluster.trust.onChange((store) => {
      if (this.#started && !this.#stopped)
        for (const s of TRUST_STORE_CHANGE[store].restart) void this.#services.restart(s);
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
    await this.#services.stop();
  }

  #writePki(): void {
    const artifacts = this.ctx.artifacts;
    for (const c of this.certs.all()) {
      artifacts.write(`pki/${this.name}/own/${c.unit}.pem`, c.identity.certPem);
      artifacts.write(`pki/${this.name}/own/${c.unit}.key`, c.identity.keyPem);
    }
    for (const t of this.cluster.trust.list()) artifacts.write(`pki/${this.name}/trust/${t.file}`, t.pem);
  }

  /**
   * Consequences of an own-certificate change (seed 003 "Certificate Regeneration"; TAC-217138), as
   * the table of cert-consequences.ts gives them; all applied before the admin call returns.
   */
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
    if (this.#stopped) return;
    const effect = OWN_CERT_CHANGE[unit];
    for (const s of effect.restart) await this.#services.restart(s);
    for (const file of effect.regenerate) if (file === 'ITLFile.tlv') this.tftpFiles.itl();
    if (effect.itlRelatedRole)
      this.log('ccm', `Certificate CNF. isITLRelatedRole=${effect.itlRelatedRole}`, 'info');
    if (effect.resetPhones) {
      const n = this.cluster.resetPhones(() => true, `${unit} certificate changed on ${this.name}`);
      this.log('ccm', `Cnf group reset: ${n} device(s) reset after the ${unit} certificate change`, 'info');
    }
  }

  /** Records an admin action's outcome on the timeline and hands the result back unchanged. */
  #report<T, E extends UclabError>(
    action: CucmAdminAction,
    target: string | null,
    r: Result<T, E>,
    done: (value: T) => string,
  ): Result<T, E> {
    this.emit('cucm.admin-action', {
      action,
      target,
      outcome: r.ok ? 'done' : 'refused',
      detail: r.ok ? done(r.value) : r.error.message,
      code: r.ok ? null : r.error.code,
    });
    return r;
  }

  // ------------------------------------------------------------------------------ admin API

  /** The admin CLI, as typed on CUCM (`show cert list own`, `utils ctl ...`, ...). */
  async exec(command: string): Promise<string> {
    this.emit('action', { name: 'cli', detail: `admin:${command}` });
    const output = await runCli(this, command);
    // What the administrator saw: scenario checks and the live view read this, never the node.
    this.emit('cucm.admin', {
      command,
      output,
      outcome: output.startsWith(UNSUCCESSFUL) ? 'refused' : 'done',
    });
    return output;
  }

  /**
   * "Generate Self-signed" (`set cert regen <unit>`). CallManager and TVS may not be regenerated
   * within 5 minutes of each other (seed 003): the phones' ITL could not be vouched for any more.
   */
  async regenerate(
    unit: CucmUnit,
    opts: RegenerateOptions & { ignoreGuard?: boolean } = {},
  ): Promise<Result<OwnCert, AdminError>> {
    const r = await this.#admin.regenerate(unit, opts);
    return this.#report('regenerate', unit, r, () => `Successfully Regenerated Certificate for ${unit}.`);
  }

  async generateCsr(unit: CucmUnit): Promise<Result<{ csrPem: string }, CertError>> {
    const r = await this.#admin.generateCsr(unit);
    return this.#report('generate-csr', unit, r, () => `Successfully Generated CSR for ${unit}`);
  }

  /** Upload of a CA-signed own certificate (with its chain): the same consequences as a regeneration. */
  async uploadCaSigned(
    unit: CucmUnit,
    certFile: string | Uint8Array,
    chainFile?: string | Uint8Array,
  ): Promise<Result<OwnCert, CertError>> {
    const r = await this.#admin.uploadCaSigned(unit, certFile, chainFile);
    return this.#report('upload-ca-signed', unit, r, () => `Success: Certificate Uploaded (${unit})`);
  }

  /** One PEM or DER certificate, or a DER PKCS#7 chain, per file (seed 003). */
  uploadTrust(store: TrustStoreName, file: string | Uint8Array): Result<TrustEntry[], CertError> {
    const r = this.#admin.uploadTrust(store, file);
    return this.#report('upload-trust', store, r, (v) =>
      v.map((e) => `Certificate ${e.file} uploaded to ${store}`).join('\n'),
    );
  }

  /** Deletes trust certificates by file name (`CallManager-trust/x.pem` or `x.pem`), CN or subject text. */
  deleteTrust(store: TrustStoreName, subjectOrFile: string): Result<TrustEntry[], CertError> {
    const r = this.#admin.deleteTrust(store, subjectOrFile);
    return this.#report(
      'delete-trust',
      `${store}/${subjectOrFile}`,
      r,
      () => `Successfully deleted certificate ${subjectOrFile}.`,
    );
  }

  /** Sets a phone's pending CAPF operation (Device > Phone > CAPF Information). */
  setCapfOperation(phoneName: string, op: PhoneDecl['capf'] & object): Result<void, AdminError> {
    const r = this.#admin.setCapfOperation(phoneName, op);
    return this.#report(
      'capf-operation',
      phoneName,
      r,
      () => `Certificate Operation ${op.operation} saved for ${phoneName}`,
    );
  }

  /** Resets phones (all, or the named ones) over their registration connection. */
  resetPhones(names?: string[]): number {
    const n = this.#admin.resetPhones(names);
    this.#report(
      'reset-phones',
      names ? names.join(',') : null,
      ok(n),
      (v) => `Reset sent to ${v} device(s)`,
    );
    return n;
  }

  /**
   * `utils system restart`: every service goes down and comes back. Registered phones lose their
   * connection and register again by themselves (as they do when a real node reboots).
   */
  async restartSystem(): Promise<void> {
    this.log('cli', 'Appliance is being Restarted ...');
    await this.#services.restartAll();
    this.log('cli', 'The system is up: services started');
    this.#report('system-restart', this.name, ok(undefined), () => 'The system is up: services started');
  }

  /** `utils service restart <name>` of the services restarted one by one (today: Cisco DRF Master and Local). */
  restartService(name: string): Result<string, AdminError> {
    const r = this.#services.restartService(name);
    return this.#report('service-restart', this.name, r, (s) => `${s} restarted`);
  }

  /**
   * A lab fault, not an administrator's action: byte `offset` (from the end when negative) of the
   * CTLFile.tlv the TFTP service serves is changed, as on a damaged copy (seed 002: "the newly downloaded CTL was corrupt"). The
   * next CTL update writes a whole file again. False when there is no CTL or no such byte.
   */
  damageCtl(offset: number): boolean {
    const ctl = this.cluster.ctl;
    const at = ctl && offset < 0 ? ctl.bytes.length + offset : offset;
    if (!ctl || !Number.isInteger(at) || at < 0 || at >= ctl.bytes.length) return false;
    const bytes = Buffer.from(ctl.bytes);
    bytes[at] = (bytes[at] as number) ^ 0xff;
    this.cluster.ctl = { bytes, modified: ctl.modified };
    this.emit('action', { name: 'fault.file-damaged', detail: `CTLFile.tlv: byte ${at} changed` });
    return true;
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
    return this.#services.registeredDevices();
  }

  // ------------------------------------------------------------------------------ security mode

  async setMixedMode(mode: 'tokenless' | 'etoken'): Promise<Result<void, AdminError>> {
    const r = await this.#security.setMixedMode(mode);
    return this.#report('mixed-mode', mode, r, () => 'Cluster set to Mixed Mode');
  }

  /**
   * The CTL client run with a different set of hardware eTokens (the old ones lost or replaced): the
   * new CTL lists and is signed by tokens the phones' installed CTL does not hold (seed 002).
   */
  async replaceEtokens(): Promise<Result<Buffer, AdminError>> {
    const r = await this.#security.replaceEtokens();
    return this.#report('etokens-replaced', null, r, () => 'CTL file Updated with the new Security Tokens');
  }

  /** `utils ctl update CTLFile`, or the CTL client's update with an eToken (`login`) in an eToken cluster. */
  updateCtl(login?: EtokenLogin): Result<Buffer, AdminError> {
    return this.#report(
      'ctl-update',
      login ? `eToken ${login.token}` : null,
      this.#security.updateCtl(login),
      () => 'CTL file Updated',
    );
  }

  /** The CTL client's "Add TFTP Server" (security-mode.ts); returns the new CTL when there is one. */
  addCtlTftpServer(
    host: string,
    opts: { certificate?: string; role?: AlternateTftp['role']; login?: EtokenLogin } = {},
  ): Result<Buffer | null, AdminError> {
    const r = this.#security.addCtlTftpServer(host, opts);
    return this.#report('ctl-tftp-added', host, r, () => `Alternate TFTP server ${host} added to the CTL`);
  }

  /** Removes an alternate TFTP server from the CTL (and regenerates the CTL when there is one). */
  removeCtlTftpServer(host: string, login?: EtokenLogin): Result<Buffer | null, AdminError> {
    const r = this.#security.removeCtlTftpServer(host, login);
    return this.#report(
      'ctl-tftp-removed',
      host,
      r,
      () => `Alternate TFTP server ${host} removed from the CTL`,
    );
  }

  /** `utils ctl set-cluster non-secure-mode`, or the CTL client's with an eToken (`login`). */
  setNonSecure(login?: EtokenLogin): Result<void, AdminError> {
    return this.#report(
      'non-secure-mode',
      login ? `eToken ${login.token}` : null,
      this.#security.setNonSecure(login),
      () => 'Cluster set to Non Secure Mode',
    );
  }

  /** `utils itl reset localkey|remotekey`: an ITL signed with a recovery key, then every phone reset. */
  itlReset(which: 'localkey' | 'remotekey'): Result<string[], AdminError> {
    return this.#report(
      'itl-reset',
      which,
      this.#security.itlReset(which),
      () => 'The reset ITL file was generated successfully',
    );
  }

  // ------------------------------------------------------------------------------ lab.json

  describe(): DeviceDescription {
    const artifacts = this.ctx.artifacts;
    const certificates: DeviceDescription['certificates'] = this.certs.all().map((c) => ({
      name: c.unit as string,
      file: artifacts.pathOf(`pki/${this.name}/own/${c.unit}.pem`),
      subject: c.identity.cert.subject.replace(/\n/g, ', '),
    }));
    for (const t of this.cluster.trust.list()) {
      certificates.push({
        name: t.file,
        file: artifacts.pathOf(`pki/${this.name}/trust/${t.file}`),
        subject: t.cert.subject.replace(/\n/g, ', '),
      });
    }
    return {
      name: this.name,
      kind: this.kind,
      address: this.address,
      aliases: this.aliases,
      ports: this.#services.ports(),
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
