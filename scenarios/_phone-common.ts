/**
 * Shared pieces of the phone-and-CUCM scenarios (seeds 002, 003): declarations and the steps that
 * recur (boot a phone, check its status messages and registration). Not a scenario (leading `_`).
 */
import type { CucmNodeDevice } from '../devices/cucm/node.ts';
import { Phone, type RegistrationState } from '../devices/phone/phone.ts';
import type { Lab } from '../emulator/lab.ts';
import { act, type ExpectStep, expectLog, expectNoLog, expectThat, type Step } from '../emulator/scenario.ts';

export type Security = 'non-secure' | 'authenticated' | 'encrypted';

export interface PhoneSpec {
  mac: string;
  model: string;
  firmware: string;
  protocol: 'SCCP' | 'SIP';
  security: Security;
  line?: string;
  tftpEncryptedConfig?: boolean;
  capf?: {
    operation: 'none' | 'install' | 'delete' | 'troubleshoot';
    authMode: 'auth-string' | 'null-string' | 'existing-lsc' | 'existing-mic';
    authString?: string;
    keySize?: 1024 | 2048 | 4096;
  };
  /** What the person types on the phone when CAPF asks for the authentication string. */
  typed?: string;
  tftp?: string;
}

export const sep = (mac: string) => `SEP${mac.toUpperCase()}`;

/** The CUCM's `phones[]` row for a phone. */
export function cucmPhone(p: PhoneSpec) {
  return {
    name: sep(p.mac),
    model: p.model,
    protocol: p.protocol,
    security: p.security,
    ...(p.line ? { line: p.line } : {}),
    ...(p.tftpEncryptedConfig ? { tftpEncryptedConfig: true } : {}),
    ...(p.capf ? { capf: p.capf } : {}),
  };
}

/** The phone device itself. Boots only when a step says so. */
export function phoneDevice(p: PhoneSpec, tftp = 'cucm-pub') {
  return {
    kind: 'phone',
    name: sep(p.mac),
    mac: p.mac,
    model: p.model,
    firmware: p.firmware,
    tftp: p.tftp ?? tftp,
    autoBoot: false,
    ...(p.typed !== undefined ? { capfAuthString: p.typed } : {}),
    ...(p.line ? { line: p.line } : {}),
    timers: { tftpTimeoutMs: 400, tftpRetries: 1 },
  };
}

export function cucm(lab: Lab, name = 'cucm-pub'): CucmNodeDevice {
  return lab.device(name) as CucmNodeDevice;
}

export function phone(lab: Lab, mac: string): Phone {
  return lab.device(sep(mac), Phone);
}

export function boot(mac: string, explain: string, title = `${sep(mac)} boots`): Step {
  return act(title, explain, async (lab) => {
    await phone(lab, mac).boot();
  });
}

export function expectStatus(mac: string, text: string, explain: string): ExpectStep {
  return expectLog(sep(mac), text, explain, { title: `${sep(mac)} shows "${text}"`, timeoutMs: 3000 });
}

export function expectNoStatus(mac: string, text: string, explain: string): ExpectStep {
  return expectNoLog(sep(mac), text, explain, `${sep(mac)} never shows "${text}"`);
}

export function expectRegistration(
  mac: string,
  state: RegistrationState,
  explain: string,
  secure?: boolean,
): ExpectStep {
  return expectThat(
    `${sep(mac)} is ${state}${secure === undefined ? '' : secure ? ' over TLS' : ''}`,
    explain,
    async (lab) => {
      const p = phone(lab, mac);
      const r = p.lastBoot?.registration;
      const held = p.state === state && (secure === undefined || r?.secure === secure);
      return { held, saw: `${p.state}${r ? ` (${r.transport ?? '-'} ${r.server ?? ''}: ${r.detail})` : ''}` };
    },
  );
}

/** A line of CUCM's `run sql select name,tkcertificatestatus from device` output for one phone. */
export function expectCertificateStatus(
  mac: string,
  status: number,
  name: string,
  explain: string,
): ExpectStep {
  return expectThat(`CUCM shows ${sep(mac)} certificate status ${status} (${name})`, explain, async (lab) => {
    const out = await cucm(lab).exec('run sql select name,tkcertificatestatus from device');
    const line = out.split('\n').find((l) => l.toUpperCase().includes(sep(mac))) ?? out;
    return { held: new RegExp(`\\b${status}\\b`).test(line), saw: line.trim() };
  });
}

/**
 * Runs an admin action that makes CUCM reset registered phones, then waits until each named phone has
 * taken the reset (or `timeoutMs` passed: it was not registered) and finished booting.
 */
export async function withCucmReset(
  lab: Lab,
  macs: string[],
  action: () => Promise<unknown>,
  timeoutMs = 2000,
): Promise<void> {
  const since = lab.timeline.events().length;
  const registered = macs.filter((m) => phone(lab, m).state === 'registered');
  await action();
  for (const m of registered) {
    try {
      await lab.timeline.waitFor(
        `${sep(m)} reset by CUCM`,
        (e) =>
          e.seq > since && e.device === sep(m) && e.kind === 'action' && e.name === 'phone.reset-by-cucm',
        { timeoutMs },
      );
    } catch {
      // Not reset (e.g. the change does not reset phones): nothing to wait for.
    }
  }
  for (const m of macs) await phone(lab, m).whenIdle();
}

/** What the phone's last boot did with one step (ctl, itl, config outcome; capf outcome). */
export function expectBoot(
  mac: string,
  step: 'ctl' | 'itl' | 'config' | 'capf',
  outcome: string,
  explain: string,
): ExpectStep {
  return expectThat(`${sep(mac)}'s last boot: ${step} ${outcome}`, explain, async (lab) => {
    const b = phone(lab, mac).lastBoot;
    const got = step === 'capf' ? (b?.capf?.outcome ?? 'none') : (b?.[step].outcome ?? 'no boot');
    return {
      held: got === outcome,
      saw: `${step} ${got}${step === 'config' && b ? ` (${b.config.file})` : ''}`,
    };
  });
}
