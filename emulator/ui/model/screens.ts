/**
 * Each phone's screen, from its events: Settings > Status > Status Messages (`log` with source
 * `status`, in the firmware's wording), Settings > Security > Trust List (the MD5 of the CTL and ITL held,
 * from `phone.trust-list` and `phone.boot`), the registration line, the call's security icon, and the
 * LSC's CAPF status. A Jabber client's screen is what its user sees of the sign-in.
 */
import { obj, type RawEvent, str } from './fields.ts';
import type { PhoneScreen, Tone } from './view.ts';

const PHONE_KINDS = new Set(['phone', 'spa-phone', 'jabber']);
const BAD_STATUS = /Failed|Not Authorized|No valid|Rejected|Error|Cannot/;
/** Status messages a screen keeps (Settings > Status > Status Messages lists a few dozen at most). */
const MAX_STATUS = 50;

function regTone(state: string): Tone {
  return state === 'registered' || state === 'signed-in'
    ? 'ok'
    : state === 'rejected' || state === 'failed'
      ? 'bad'
      : 'warn';
}

export class Screens {
  readonly #screens = new Map<string, PhoneScreen>();

  constructor(private readonly laneOf: (name: string) => string | null) {}

  get(device: string): PhoneScreen | undefined {
    return this.#screens.get(device);
  }

  #screen(device: string, kind: string | null = null): PhoneScreen {
    let s = this.#screens.get(device);
    if (!s) {
      s = {
        device,
        kind,
        model: null,
        registration: null,
        status: [],
        trustList: { ctl: null, itl: null },
        call: null,
        capf: null,
      };
      this.#screens.set(device, s);
    }
    if (kind && !s.kind) s.kind = kind;
    return s;
  }

  /** The screen an event changes (a copy, for a patch), or null when it changes none. */
  apply(e: RawEvent): PhoneScreen | null {
    const s = this.#change(e);
    return s ? structuredClone(s) : null;
  }

  #change(e: RawEvent): PhoneScreen | null {
    switch (e.kind) {
      case 'device.started': {
        const kind = str(e.deviceKind);
        return kind && PHONE_KINDS.has(kind) ? this.#screen(e.device, kind) : null;
      }
      case 'log': {
        const source = str(e.source);
        const text = str(e.text) ?? '';
        const level = str(e.level) ?? 'info';
        // A Jabber client shows its user the error dialog it logs (devices/expressway/jabber.ts).
        if (source !== 'status' && !(source === 'jabber' && level === 'error')) return null;
        const s = this.#screen(e.device);
        s.status.push({
          seq: e.seq,
          text,
          tone: level === 'warning' || level === 'error' || BAD_STATUS.test(text) ? 'bad' : 'info',
        });
        // The menu lists the current boot's messages; a phone that never reboots keeps the latest.
        if (s.status.length > MAX_STATUS) s.status.splice(0, s.status.length - MAX_STATUS);
        return s;
      }
      case 'action': {
        const name = str(e.name);
        const detail = str(e.detail) ?? '';
        if (name === 'phone.boot') {
          // The status messages the menu lists are those of the current boot.
          const s = this.#screen(e.device, 'phone');
          s.status = [];
          s.model = /\(([^,()]+),/.exec(detail)?.[1] ?? s.model;
          return s;
        }
        if (name === 'trust-list.delete') {
          const s = this.#screen(e.device, 'phone');
          if (/^(CTL|all)\b/.test(detail)) s.trustList.ctl = 'Not Installed';
          if (/^(ITL|all)\b/.test(detail)) s.trustList.itl = 'Not Installed';
          return s;
        }
        return null;
      }
      case 'phone.boot': {
        const s = this.#screen(e.device, 'phone');
        const ctl = obj(e.ctl);
        const itl = obj(e.itl);
        if (ctl) s.trustList.ctl = str(ctl.md5) ?? 'Not Installed';
        if (itl) s.trustList.itl = str(itl.md5) ?? 'Not Installed';
        s.model = str(e.model) ?? s.model;
        return s;
      }
      case 'phone.trust-list': {
        const s = this.#screen(e.device, 'phone');
        const md5 = str(e.md5) ?? 'Not Installed';
        if (str(e.list) === 'CTL') s.trustList.ctl = md5;
        else if (str(e.list) === 'ITL') s.trustList.itl = md5;
        return s;
      }
      case 'phone.registration': {
        const state = str(e.state);
        if (!state) return null;
        const s = this.#screen(e.device, 'phone');
        s.registration = {
          state,
          detail: str(e.detail) ?? '',
          secure: e.secure === true,
          tone: regTone(state),
        };
        return s;
      }
      case 'phone.call': {
        const s = this.#screen(e.device, 'phone');
        const state = str(e.state) ?? '?';
        s.call = {
          peer: str(e.peer) ?? '?',
          icon: str(e.icon) ?? 'none',
          media: str(e.media) ?? '',
          state,
          tone: state === 'connected' ? 'ok' : 'bad',
        };
        return s;
      }
      case 'phone.capf': {
        const s = this.#screen(e.device, 'phone');
        const outcome = str(e.outcome) ?? '?';
        s.capf = { operation: 'CAPF', status: outcome, tone: /fail/i.test(outcome) ? 'bad' : 'ok' };
        return s;
      }
      case 'cucm.capf': {
        const name = str(e.deviceName);
        const lane = name ? this.laneOf(name) : null;
        if (!lane) return null;
        const s = this.#screen(lane, 'phone');
        const status = str(e.statusName) ?? '?';
        s.capf = {
          operation: str(e.operation) ?? 'CAPF',
          status,
          tone: /success/i.test(status) ? 'ok' : 'bad',
        };
        return s;
      }
      case 'jabber.sign-in': {
        const s = this.#screen(e.device, 'jabber');
        const outcome = str(e.outcome) ?? '?';
        s.registration = { state: outcome, detail: str(e.shown) ?? '', secure: true, tone: regTone(outcome) };
        return s;
      }
      default:
        return null;
    }
  }

  all(): PhoneScreen[] {
    return [...this.#screens.values()].map((s) => structuredClone(s));
  }
}
