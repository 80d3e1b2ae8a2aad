/**
 * The lab picture: the devices (name, kind, address, listening ports), the links between the devices
 * that have exchanged something, and each device's state at a glance (registered, trust lists held,
 * CAPF status, what it refused), all from events.
 */
import { bool, endpoint, type RawEvent, str } from './fields.ts';
import { serviceOf } from './services.ts';
import type { Badge, DeviceView, LadderRow, LinkView, Patch, Tone } from './view.ts';

/** Timeline "devices" that are not devices: the lab machinery and the scenario runner. */
export const NOT_DEVICES = new Set(['lab', 'scenario']);

/** Per-device state behind the badges. */
interface DeviceFacts {
  registration: { state: string; tone: Tone } | null;
  signIn: { state: string; tone: Tone } | null;
  ctl: string | null;
  itl: string | null;
  lsc: { status: string; tone: Tone } | null;
  registeredPhones: Set<string>;
  files: Map<string, string>;
  alarms: number;
  refused: number;
}

function stateTone(state: string): Tone {
  return state === 'registered' || state === 'signed-in'
    ? 'ok'
    : /rejected|failed/.test(state)
      ? 'bad'
      : 'warn';
}

export class Picture {
  readonly #devices = new Map<string, DeviceView>();
  readonly #facts = new Map<string, DeviceFacts>();
  readonly #addresses = new Map<string, string>();
  readonly #links = new Map<string, LinkView>();
  /** The link each row counted on, and the rows counted as failed, while the row is in the window. */
  readonly #rowLink = new Map<string, string>();
  readonly #failedRows = new Set<string>();

  /** A row left the ladder's window: its counts stay on the link, the bookkeeping goes. */
  forgetRow(rowId: string): void {
    this.#rowLink.delete(rowId);
    this.#failedRows.delete(rowId);
  }

  has(device: string): boolean {
    return this.#devices.has(device);
  }

  kindOf(device: string): string | null {
    return this.#devices.get(device)?.kind ?? null;
  }

  deviceAt(address: string): string | null {
    return this.#addresses.get(address) ?? null;
  }

  /** The lane of a device named in a payload (`SEP...`, `cucm-pub`), by name or by address. */
  laneOf(nameOrAddress: string): string | null {
    if (this.#devices.has(nameOrAddress)) return nameOrAddress;
    const lower = nameOrAddress.toLowerCase();
    for (const d of this.#devices.keys()) if (d.toLowerCase() === lower) return d;
    return this.#addresses.get(nameOrAddress) ?? null;
  }

  /** The device of that name, created (and announced in `out`) on first mention. */
  device(name: string, seq: number, out: Patch[]): DeviceView {
    let d = this.#devices.get(name);
    if (!d) {
      d = { name, kind: null, address: null, ports: [], running: true, badges: [], firstSeq: seq };
      this.#devices.set(name, d);
      this.#facts.set(name, {
        registration: null,
        signIn: null,
        ctl: null,
        itl: null,
        lsc: null,
        registeredPhones: new Set(),
        files: new Map(),
        alarms: 0,
        refused: 0,
      });
      out.push({ k: 'device', v: copyDevice(d) });
    }
    return d;
  }

  #touch(name: string, out: Patch[]): void {
    const d = this.#devices.get(name);
    if (!d) return;
    d.badges = this.#badges(d);
    out.push({ k: 'device', v: copyDevice(d) });
  }

  /** Folds an event of a device into the picture. */
  apply(e: RawEvent, out: Patch[]): void {
    if (NOT_DEVICES.has(e.device)) return;
    const d = this.device(e.device, e.seq, out);
    const f = this.#facts.get(e.device);
    if (f && this.#change(e, d, f, out)) this.#touch(e.device, out);
  }

  /** Teardown after `lab.stopping`: only whether a device still runs changes. */
  stopped(e: RawEvent, out: Patch[]): void {
    const d = this.#devices.get(e.device);
    if (e.kind === 'device.stopped' && d) {
      d.running = false;
      out.push({ k: 'device', v: copyDevice(d) });
    }
  }

  #learnAddress(d: DeviceView, address: string): void {
    d.address ??= address;
    this.#addresses.set(address, d.name);
  }

  #change(e: RawEvent, d: DeviceView, f: DeviceFacts, out: Patch[]): boolean {
    switch (e.kind) {
      case 'device.started': {
        d.kind = str(e.deviceKind) ?? d.kind;
        const address = str(e.address);
        if (address) {
          d.address = address;
          this.#addresses.set(address, d.name);
        }
        d.running = true;
        d.ports = d.ports.map((p) => ({ ...p, service: serviceOf(p.port, d.kind, p.proto) }));
        return true;
      }
      case 'device.stopped':
        d.running = false;
        return true;
      case 'net.listen': {
        const ep = endpoint(e.endpoint);
        const proto = str(e.proto) ?? 'tcp';
        if (!ep) return false;
        this.#learnAddress(d, ep.address);
        if (!d.ports.some((p) => p.port === ep.port && p.proto === proto)) {
          d.ports.push({ proto, port: ep.port, service: serviceOf(ep.port, d.kind, proto) });
          d.ports.sort((a, b) => a.port - b.port);
        }
        return true;
      }
      case 'net.connect': {
        const local = endpoint(e.local);
        if (!local || d.address) return false;
        this.#learnAddress(d, local.address);
        return true;
      }
      case 'phone.registration': {
        const state = str(e.state);
        if (!state) return false;
        f.registration = { state, tone: stateTone(state) };
        return true;
      }
      case 'jabber.sign-in': {
        const state = str(e.outcome);
        if (!state) return false;
        f.signIn = { state, tone: stateTone(state) };
        return true;
      }
      case 'cucm.registered':
      case 'cucm.unregistered': {
        const name = str(e.deviceName);
        if (!name) return false;
        if (e.kind === 'cucm.registered') f.registeredPhones.add(name);
        else f.registeredPhones.delete(name);
        return true;
      }
      case 'cucm.file-changed': {
        const file = str(e.file);
        const md5 = str(e.md5);
        if (!file || !md5) return false;
        f.files.set(file, md5);
        return true;
      }
      case 'cucm.alarm':
        f.alarms += 1;
        return true;
      case 'cucm.capf': {
        // The LSC status belongs to the phone the operation was for.
        const name = str(e.deviceName);
        const lane = name ? this.laneOf(name) : null;
        const pf = lane ? this.#facts.get(lane) : undefined;
        const status = str(e.statusName);
        if (lane && pf && status) {
          pf.lsc = { status, tone: /success/i.test(status) ? 'ok' : 'bad' };
          this.#touch(lane, out);
        }
        return false;
      }
      case 'phone.capf': {
        const outcome = str(e.outcome);
        if (!outcome) return false;
        f.lsc = { status: outcome, tone: /fail/i.test(outcome) ? 'bad' : 'ok' };
        return true;
      }
      case 'phone.boot': {
        const ctl = e.ctl as { md5?: unknown } | null | undefined;
        const itl = e.itl as { md5?: unknown } | null | undefined;
        f.ctl = str(ctl?.md5) ?? 'none';
        f.itl = str(itl?.md5) ?? 'none';
        return true;
      }
      case 'phone.trust-list': {
        const md5 = str(e.md5) ?? 'none';
        if (str(e.list) === 'CTL') f.ctl = md5;
        else if (str(e.list) === 'ITL') f.itl = md5;
        else return false;
        return true;
      }
      case 'action': {
        if (str(e.name) !== 'trust-list.delete') return false;
        const detail = str(e.detail) ?? '';
        if (/^(CTL|all)\b/.test(detail)) f.ctl = 'none';
        if (/^(ITL|all)\b/.test(detail)) f.itl = 'none';
        return true;
      }
      case 'tls.verdict':
        if (bool(e.accepted) !== false) return false;
        f.refused += 1;
        return true;
      default:
        return false;
    }
  }

  #badges(d: DeviceView): Badge[] {
    const f = this.#facts.get(d.name);
    if (!f) return [];
    const out: Badge[] = [];
    if (f.registration)
      out.push({ label: 'registration', value: f.registration.state, tone: f.registration.tone });
    if (f.signIn) out.push({ label: 'sign-in', value: f.signIn.state, tone: f.signIn.tone });
    const short = (md5: string) => (md5 === 'none' ? 'none' : md5.slice(0, 8));
    if (f.ctl !== null)
      out.push({ label: 'CTL', value: short(f.ctl), tone: f.ctl === 'none' ? 'warn' : 'info' });
    if (f.itl !== null)
      out.push({ label: 'ITL', value: short(f.itl), tone: f.itl === 'none' ? 'warn' : 'info' });
    if (f.lsc) out.push({ label: 'LSC', value: f.lsc.status, tone: f.lsc.tone });
    if (d.kind === 'cucm' || f.registeredPhones.size > 0)
      out.push({ label: 'registered', value: String(f.registeredPhones.size), tone: 'info' });
    for (const file of ['CTLFile.tlv', 'ITLFile.tlv']) {
      const md5 = f.files.get(file);
      if (md5) out.push({ label: `${file.slice(0, 3)} served`, value: md5.slice(0, 8), tone: 'info' });
    }
    if (f.alarms > 0) out.push({ label: 'alarms', value: String(f.alarms), tone: 'warn' });
    if (f.refused > 0) out.push({ label: 'refused', value: String(f.refused), tone: 'bad' });
    return out;
  }

  /** Draws (or updates) the link an exchange row travels on. */
  link(row: LadderRow, out: Patch[]): void {
    const to = row.to ?? '';
    const [a, b] = [row.from, to].sort();
    const id = `${a}|${b}`;
    let link = this.#links.get(id);
    if (!link) {
      link = { id, from: row.from, to, services: [], count: 0, failed: 0, lastTone: 'ok', lastSeq: row.seq };
      this.#links.set(id, link);
    }
    if (!this.#rowLink.has(row.id)) {
      this.#rowLink.set(row.id, id);
      link.count += 1;
    }
    const bad = row.outcome === 'refused' || row.outcome === 'failed';
    if (bad && !this.#failedRows.has(row.id)) {
      this.#failedRows.add(row.id);
      link.failed += 1;
    }
    if (!link.services.includes(row.protocol)) link.services.push(row.protocol);
    link.lastTone = bad ? 'bad' : row.outcome === 'pending' ? 'info' : 'ok';
    link.lastSeq = row.lastSeq;
    out.push({ k: 'link', v: { ...link, services: [...link.services] } });
  }

  devices(): DeviceView[] {
    return [...this.#devices.values()].map(copyDevice);
  }

  links(): LinkView[] {
    return [...this.#links.values()].map((l) => ({ ...l, services: [...l.services] }));
  }

  /** Names of the devices and links: when it changes, the picture needs a new layout. */
  graphKey(): string {
    return `${[...this.#devices.keys()].join(',')}#${[...this.#links.keys()].join(',')}`;
  }
}

export function copyDevice(d: DeviceView): DeviceView {
  return { ...d, ports: d.ports.map((p) => ({ ...p })), badges: d.badges.map((b) => ({ ...b })) };
}
