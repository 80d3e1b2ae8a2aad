/**
 * Where each phone of a cell stands, read ONLY from its events on the timeline (architecture decision
 * 7; devices/phone/events.ts): its last `phone.boot`, its `phone.registration` changes, the trust
 * lists and configs it took or refused (`phone.trust-list`, `phone.config`), what TVS vouched for
 * (`phone.tvs`), its status messages and console errors (`log`). Never the phone object: the same facts
 * a report or a live view renders, so the report says what the phones said.
 *
 * `observePhones` keeps a small view per phone as events arrive (a fleet's timeline is large; nothing
 * re-scans it); `classify` turns a view into a state and the reason in the device's words.
 */
import type { EventMap, LabEvent, Timeline } from '../events.ts';
import type { PhoneOutcome } from './report.ts';

/** A phone's state at the end of a step: an outcome, or switched off during it. */
export type PhoneState = PhoneOutcome | 'offline';

export interface PhoneView {
  offline: boolean;
  /** Boots that ended (`phone.boot` events). */
  boots: number;
  lastBoot: EventMap['phone.boot'] | null;
  registration: EventMap['phone.registration'] | null;
  /** The signer TVS vouched for (or a cache hit), the last time the phone needed TVS. */
  vouchedBy: string | null;
  /** Since the current boot started: why a trust list or config was refused, in the phone's words. */
  refusal: string | null;
  /** Since the current boot started: the phone's first console error line (`SEC-ERR: ...`). */
  consoleError: string | null;
}

function emptyView(): PhoneView {
  return {
    offline: false,
    boots: 0,
    lastBoot: null,
    registration: null,
    vouchedBy: null,
    refusal: null,
    consoleError: null,
  };
}

const KINDS = [
  'action',
  'phone.boot',
  'phone.registration',
  'phone.trust-list',
  'phone.config',
  'phone.tvs',
  'log',
] as const;

/**
 * Follows the named phones' events from now on (with `replay`, from the first the timeline still
 * holds: a scenario's check, after its steps); `stop()` ends it.
 */
export function observePhones(
  timeline: Timeline,
  names: readonly string[],
  opts: { replay?: boolean } = {},
): { views: Map<string, PhoneView>; stop: () => void } {
  const views = new Map(names.map((n) => [n, emptyView()]));
  if (opts.replay)
    for (const e of timeline.events({ kind: [...KINDS] })) {
      const v = views.get(e.device);
      if (v) apply(v, e);
    }
  const stop = timeline.subscribe({ kind: [...KINDS] }, (e: LabEvent) => {
    const v = views.get(e.device);
    if (v) apply(v, e);
  });
  return { views, stop };
}

function apply(v: PhoneView, e: LabEvent): void {
  switch (e.kind) {
    case 'action':
      if (e.name === 'phone.offline') v.offline = true;
      else if (e.name === 'phone.online') v.offline = false;
      else if (e.name === 'phone.boot') {
        v.refusal = null;
        v.consoleError = null;
      }
      return;
    case 'phone.boot': {
      const { schemaVersion: _s, seq: _q, time: _t, t: _tt, lab: _l, device: _d, kind: _k, ...boot } = e;
      v.boots++;
      v.lastBoot = boot;
      return;
    }
    case 'phone.registration':
      v.registration = e;
      return;
    case 'phone.trust-list':
      if (e.change === 'refused') v.refusal ??= `${e.list}: ${e.reason}`;
      return;
    case 'phone.config':
      if (e.reason && e.outcome !== 'verified' && e.outcome !== 'decrypted' && e.outcome !== 'plain')
        v.refusal ??= `${e.file}: ${e.reason}`;
      // A config taken later in the same boot (after CAPF gave the phone a new LSC) ends a config
      // refusal: the phone reads its configuration now.
      else if (!e.reason && v.refusal && /\.cnf\.xml/.test(v.refusal.split(': ')[0] ?? '')) v.refusal = null;
      if (e.via === 'tvs' && e.signer) v.vouchedBy = e.signer;
      return;
    case 'phone.tvs':
      if (e.outcome === 'vouched' || e.outcome === 'cached') v.vouchedBy = e.subject;
      return;
    case 'log':
      // The console line without its timestamp (`ERR 22:10:20.053000 SECD: ...`): the words stay.
      if (e.source === 'console' && e.level === 'error')
        v.consoleError ??= e.text.replace(/^[A-Z]+ \d\d:\d\d:\d\d\.\d+ /, '');
      return;
  }
}

const TRUST_FAILURES = new Set(['update-failed', 'verification-failed', 'tftp-not-authorized']);
const CONFIG_FAILURES = new Set(['untrusted', 'malformed']);

/** The status message of the boot that says what went wrong, else the last one shown. */
function failureStatus(boot: EventMap['phone.boot']): string | null {
  return (
    boot.status.find((s) => /Failed|Not Authorized|No valid|Rejected|Error/.test(s)) ??
    boot.status.at(-1) ??
    null
  );
}

function words(...parts: (string | null | undefined)[]): string {
  return parts.filter((p): p is string => !!p && p.length > 0).join(': ');
}

/**
 * A phone's state from its view:
 * - registered: `recovered-tvs` when TVS vouched for a signer it did not know, else `trusted`;
 * - not registered, and its last boot refused a trust list or config (or its TFTP server): `lost-trust`;
 * - not registered, holding an LSC that CUCM refused on TLS: `lsc-invalid`;
 * - not registered, its config encrypted and unreadable ("Config File Decryption Failed": the
 *   `.enc.sgn` does not decrypt, or only its stub is served): `config-unreadable`;
 * - otherwise `unregistered`.
 */
export function classify(v: PhoneView): { state: PhoneState; reason: string } {
  if (v.offline) return { state: 'offline', reason: 'switched off' };
  const boot = v.lastBoot;
  if (!boot) return { state: 'unregistered', reason: 'never booted' };
  const reg = v.registration;
  const registered = reg?.state === 'registered';
  if (registered) {
    const where = `Registered (${reg.transport ?? '?'} ${reg.server ?? ''})`.replace(' )', ')');
    // Registered with what it held, though a newer file was refused: say so (the next change may break it).
    const but = v.refusal ? `; refused ${v.refusal}` : '';
    if (v.vouchedBy)
      return { state: 'recovered-tvs', reason: `${where}; TVS vouched for ${v.vouchedBy}${but}` };
    return { state: 'trusted', reason: `${where}${but}` };
  }
  const status = failureStatus(boot);
  const detail = reg?.detail ?? boot.registration.detail;
  const lsc = boot.certificates.lsc !== null;
  if (boot.config.outcome === 'decrypt-failed')
    return {
      state: 'config-unreadable',
      reason: words(status, v.refusal ?? 'the config does not decrypt'),
    };
  if (
    TRUST_FAILURES.has(boot.ctl.outcome) ||
    TRUST_FAILURES.has(boot.itl.outcome) ||
    CONFIG_FAILURES.has(boot.config.outcome)
  ) {
    return { state: 'lost-trust', reason: words(status, v.refusal ?? boot.registration.detail) };
  }
  if (lsc && /refused our certificate/.test(detail))
    return { state: 'lsc-invalid', reason: words(status, v.consoleError, detail) };
  return { state: 'unregistered', reason: words(status, v.consoleError, detail) };
}
