/**
 * The boot sequence of a phone (docs/reference/config-files.md §1 file order): resolve the TFTP server; the 7940/7960
 * address rule; 1. CTL, 2. ITL (trust-list-step.ts); 3. the config (config-fetch.ts); 4. CAPF when the
 * config says an operation is pending (capf-step.ts), then the config again (it may now be encrypted
 * to the new LSC); 5. registration (registration.ts). The report of what each step did is the
 * `phone.boot` event, emitted when the boot ends, whichever step it ended at.
 */
import { capfStep } from './capf-step.ts';
import { configStep } from './config-fetch.ts';
import type { PhoneContext } from './context.ts';
import type { BootReport } from './events.ts';
import type { Registrar } from './registration.ts';
import type { TftpSource } from './tftp-fetch.ts';
import { trustListStep } from './trust-list-step.ts';
import { tftpServerVerdict } from './trust-rules.ts';
import type { PhoneTvs } from './tvs-client.ts';

export interface BootOptions {
  register?: boolean;
  capf?: boolean;
}

/** What a boot needs besides the phone's shared context. */
export interface BootDeps {
  p: PhoneContext;
  tvs: PhoneTvs;
  registrar: Registrar;
  tftpTarget: { host: string; port: number };
  /** TFTP Server 2 (the declaration's `tftp2`), used when TFTP Server 1 does not answer. */
  tftpBackup: { host: string; port: number } | null;
  online: boolean;
  /** The phone may reach a TFTP server outside the lab (uclab phone boot). */
  external: boolean;
  /** The status messages shown during this boot, in order. */
  statusShown(): string[];
}

const oneLine = (s: string) => s.replace(/\n/g, ', ');

export async function bootSequence(d: BootDeps, opts: BootOptions): Promise<BootReport> {
  const { p, tvs, registrar } = d;
  const resolved = p.fabric.resolve(d.tftpTarget.host);
  const report: BootReport = {
    schemaVersion: 1,
    phone: p.name,
    model: p.model,
    firmware: p.profile.id,
    tftp: { host: d.tftpTarget.host, address: resolved.ok ? resolved.value : null, port: d.tftpTarget.port },
    ctl: { outcome: 'not-found', md5: null },
    itl: { outcome: 'not-supported', md5: null },
    config: { file: null, outcome: 'skipped', deviceSecurityMode: null },
    capf: null,
    registration: {
      state: 'unregistered',
      secure: false,
      transport: null,
      server: null,
      detail: 'not attempted',
    },
    certificates: { mic: p.mic ? oneLine(p.mic.cert.subject) : '', lsc: null },
    status: [],
  };
  let source: TftpSource | null = null;
  const finish = (): BootReport => {
    if (source && source.address !== report.tftp.address && d.tftpBackup) {
      // The files came from TFTP Server 2.
      report.tftp = { host: d.tftpBackup.host, address: source.address, port: source.port };
    }
    report.ctl.md5 = p.trust.ctl?.md5 ?? null;
    report.itl.md5 = p.trust.itl?.md5 ?? null;
    report.certificates.lsc = p.lsc ? oneLine(p.lsc.cert.subject) : null;
    report.registration = { ...report.registration, state: registrar.state };
    report.status = d.statusShown();
    const { schemaVersion: _v, ...event } = report;
    p.emit('phone.boot', structuredClone(event));
    return report;
  };
  p.emit('action', {
    name: 'phone.boot',
    detail: `${p.name} (${p.model}, ${p.profile.label}) boots from TFTP ${d.tftpTarget.host}`,
  });
  if (!d.online || !resolved.ok) {
    report.ctl.outcome = 'offline';
    report.registration.detail = !resolved.ok ? resolved.error.message : 'phone is offline';
    if (!resolved.ok) p.console.line(`TFTP: cannot resolve ${d.tftpTarget.host}`, 'ERR');
    return finish();
  }
  const tftpAddress = resolved.value;
  const backup = d.tftpBackup ? p.fabric.resolve(d.tftpBackup.host) : null;
  source = {
    address: tftpAddress,
    port: d.tftpTarget.port,
    external: d.external && p.fabric.hostAt(tftpAddress) === null,
    backup:
      d.tftpBackup && backup?.ok
        ? {
            host: d.tftpBackup.host,
            address: backup.value,
            port: d.tftpBackup.port,
            external: d.external && p.fabric.hostAt(backup.value) === null,
          }
        : undefined,
  };

  const tftpRule = tftpServerVerdict(p.trust, p.profile, tftpAddress);
  if (!tftpRule.accepted) {
    p.console.line(`SECD: EROR:tftpServerAuthorized: TFTP server ${tftpAddress} not in CTL`, 'ERR');
    p.status('tftpServerNotAuthorized');
    report.ctl.outcome = 'tftp-not-authorized';
    report.config.outcome = 'untrusted';
    report.registration.detail = tftpRule.reason;
    return finish();
  }

  // 1. CTL, 2. ITL (docs/reference/config-files.md §1 order).
  if (p.profile.supportsCtl) report.ctl = { ...report.ctl, ...(await trustListStep(p, tvs, 'CTL', source)) };
  else report.ctl.outcome = 'not-supported';
  if (p.profile.supportsItl) report.itl = { ...report.itl, ...(await trustListStep(p, tvs, 'ITL', source)) };

  // 3. Config.
  let cfg = await configStep(p, tvs, source, report.config);
  if (!cfg) {
    report.registration.detail = 'no trusted configuration';
    return finish();
  }

  // 4. CAPF, when the config says an operation is pending.
  if (cfg.capfAuthMode !== 0 && p.profile.capfClient && opts.capf !== false) {
    report.capf = await capfStep(p, cfg);
    if (report.capf.outcome === 'installed' || report.capf.outcome === 'deleted') {
      // With a new LSC the phone asks for its config again (it may now be encrypted to the LSC).
      const again = await configStep(p, tvs, source, report.config);
      if (again) cfg = again;
    }
  }

  // The stub of an encrypted config, still unreadable after CAPF: no configuration to register with.
  if (!cfg.fullConfig) {
    report.registration.detail = 'no readable configuration';
    return finish();
  }

  // 5. Registration.
  if (opts.register === false) {
    report.registration.detail = 'registration not attempted (probe)';
    return finish();
  }
  report.registration = await registrar.registerInGroup(cfg);
  return finish();
}
