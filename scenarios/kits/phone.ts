/**
 * Scenario kit for phones (seeds 002, 003): how a scenario declares a phone, what a person does with
 * it (boot, reset, unplug, erase a trust list, dial), and what the checks read of it. The checks read
 * only the timeline (the phone's events, devices/phone/events.ts), never the phone object: the same
 * facts a report or a live view renders. Not a scenario: the runner loads only `scenarios/*.ts`.
 */
import type { BootReport, RegistrationReport, RegistrationState } from '../../devices/phone/events.ts';
import { Phone } from '../../devices/phone/phone.ts';
import type { EventKind, LabEvent } from '../../emulator/events.ts';
import type { Lab } from '../../emulator/lab.ts';
import {
  act,
  type ExpectStep,
  expectLog,
  expectNoLog,
  expectThat,
  type Step,
} from '../../emulator/scenario.ts';

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

/** The CUCM's `phones[]` row for a phone (Device > Phone on the CUCM). */
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

// ---------------------------------------------------------------- what a person does with a phone

/** What a user (or the person at the phone) can do: the phone's buttons and menus, nothing it knows. */
export interface PhoneUser {
  /** Power on, or Settings > Reset: boots and resolves when the boot has ended. */
  boot(): Promise<void>;
  reset(): Promise<void>;
  /** Unplug / plug back in (booting). */
  goOffline(): void;
  goOnline(): Promise<void>;
  /** Settings > Security > Trust List > CTL/ITL File > Erase. */
  deleteTrustList(which: 'CTL' | 'ITL' | 'all'): void;
  /** Settings > Network > Alternate TFTP. */
  setTftp(spec: string): void;
  /** Dials; resolves when the call connects, or with what the screen says went wrong. */
  call(number: string): Promise<{ error: string } | { icon: string }>;
}

export function phone(lab: Lab, mac: string): PhoneUser {
  const d = lab.device(sep(mac), Phone);
  return {
    boot: async () => {
      await d.boot();
    },
    reset: async () => {
      await d.reset();
    },
    goOffline: () => d.goOffline(),
    goOnline: async () => {
      await d.goOnline();
    },
    deleteTrustList: (which) => d.deleteTrustList(which),
    setTftp: (spec) => d.setTftp(spec),
    call: (number) => d.call(number),
  };
}

export function boot(mac: string, explain: string, title = `${sep(mac)} boots`): Step {
  return act(title, explain, async (lab) => {
    await phone(lab, mac).boot();
  });
}

// ---------------------------------------------------------------- what the timeline says of a phone

/** The latest event of `kind` from the phone, optionally one that matches. */
function latest<K extends EventKind>(
  lab: Lab,
  kind: K,
  mac: string,
  match: (e: LabEvent<K>) => boolean = () => true,
): LabEvent<K> | undefined {
  return lab.timeline.ofKind(kind, sep(mac)).filter(match).at(-1);
}

/** What the phone's last finished boot did (the `phone.boot` event). */
export function lastBoot(lab: Lab, mac: string): LabEvent<'phone.boot'> | undefined {
  return latest(lab, 'phone.boot', mac);
}

/**
 * The registration as the phone shows it: the state of its latest `phone.registration` event, and the
 * registration its last boot reached, or what a re-registration attempt after that boot settled on.
 */
export function registrationOf(
  lab: Lab,
  mac: string,
): { state: RegistrationState; report: RegistrationReport | null } {
  const state = latest(lab, 'phone.registration', mac)?.state ?? 'unregistered';
  const b = lastBoot(lab, mac);
  if (!b) return { state, report: null };
  const settled = latest(
    lab,
    'phone.registration',
    mac,
    (e) => e.seq > b.seq && e.retry && (e.state === 'registered' || e.state === 'rejected'),
  );
  return { state, report: settled ?? b.registration };
}

/** The phone's last connected call, as its screen showed it (`phone.call`). */
export function lastCall(lab: Lab, mac: string): LabEvent<'phone.call'> | undefined {
  return latest(lab, 'phone.call', mac, (e) => e.state === 'connected');
}

/** The CTL or ITL the phone holds now (`phone.trust-list`): its MD5 and records, or null. */
export function heldTrustList(
  lab: Lab,
  mac: string,
  list: 'CTL' | 'ITL',
): LabEvent<'phone.trust-list'> | null {
  const e = latest(lab, 'phone.trust-list', mac, (x) => x.list === list);
  return e?.md5 ? e : null;
}

/** The LSC the phone holds now (the latest `phone.capf` event), or null. */
export function heldLsc(lab: Lab, mac: string): LabEvent<'phone.capf'>['lsc'] {
  return latest(lab, 'phone.capf', mac)?.lsc ?? null;
}

/** Waits until a boot the phone has started ends (nothing to wait for when none is under way). */
export async function whenIdle(lab: Lab, mac: string, timeoutMs = 30_000): Promise<void> {
  const started = latest(lab, 'action', mac, (e) => e.name === 'phone.boot');
  const ended = lastBoot(lab, mac);
  if (!started || (ended && ended.seq > started.seq)) return;
  await lab.timeline.waitFor(
    `${sep(mac)} to finish booting`,
    (e) => e.kind === 'phone.boot' && e.device === sep(mac),
    { since: started.seq, timeoutMs },
  );
}

// ---------------------------------------------------------------- checks

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
      const { state: shown, report: r } = registrationOf(lab, mac);
      const held = shown === state && (secure === undefined || r?.secure === secure);
      return { held, saw: `${shown}${r ? ` (${r.transport ?? '-'} ${r.server ?? ''}: ${r.detail})` : ''}` };
    },
  );
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
  const registered = macs.filter((m) => registrationOf(lab, m).state === 'registered');
  await action();
  for (const m of registered) {
    let reset: LabEvent;
    try {
      reset = await lab.timeline.waitFor(
        `${sep(m)} reset by CUCM`,
        (e) => e.device === sep(m) && e.kind === 'action' && e.name === 'phone.reset-by-cucm',
        { since, timeoutMs },
      );
    } catch {
      // Not reset (e.g. the change does not reset phones): nothing to wait for.
      continue;
    }
    // The reset boots the phone once the boot it may be in has ended.
    await lab.timeline.waitFor(
      `${sep(m)} to boot after the reset`,
      (e) => e.device === sep(m) && e.kind === 'action' && e.name === 'phone.boot',
      { since: reset.seq, timeoutMs: 30_000 },
    );
  }
  for (const m of macs) await whenIdle(lab, m);
}

/** What the phone's last boot did with one step (ctl, itl, config outcome; capf outcome). */
export function expectBoot(
  mac: string,
  step: keyof Pick<BootReport, 'ctl' | 'itl' | 'config' | 'capf'>,
  outcome: string,
  explain: string,
): ExpectStep {
  return expectThat(`${sep(mac)}'s last boot: ${step} ${outcome}`, explain, async (lab) => {
    const b = lastBoot(lab, mac);
    const got = step === 'capf' ? (b?.capf?.outcome ?? 'none') : (b?.[step].outcome ?? 'no boot');
    return {
      held: got === outcome,
      saw: `${step} ${got}${step === 'config' && b ? ` (${b.config.file})` : ''}`,
    };
  });
}
