/**
 * A lab with many phones (a fleet: scenarios/kits/fleet.ts) drawn as a class can read it from the
 * back of the room: its phones as one box in the picture and one lane in the ladder, and as a grid of
 * tiles beside the screens, rather than forty boxes a few pixels high and forty lanes a letter wide.
 * Which devices are the fleet is decided here, once (`FleetView`); the page draws what it says.
 */
import type { Badge, DeviceView, FleetView, LinkView, Tone } from './view.ts';

/** From this many phones on, a lab's phones are drawn as a fleet. */
export const FLEET_AT = 9;
/** The fleet's box in the picture and its lane in the ladder. */
export const FLEET_LANE = 'phones';
const FLEET_KIND = 'phone';

/** The lab's fleet, or null while it has fewer than `FLEET_AT` phones. */
export function fleetOf(devices: Iterable<DeviceView>): FleetView | null {
  let members = 0;
  for (const d of devices) if (d.kind === FLEET_KIND) members++;
  return members >= FLEET_AT ? { lane: FLEET_LANE, kind: FLEET_KIND, members } : null;
}

const TONES: Tone[] = ['ok', 'warn', 'bad', 'info'];

/** The fleet's box: its phones counted by their registration badge (registered, unregistered, ...). */
export function fleetDevice(fleet: FleetView, devices: readonly DeviceView[]): DeviceView {
  const members = devices.filter((d) => d.kind === fleet.kind);
  const counts = new Map<string, { n: number; tone: Tone }>();
  for (const d of members) {
    const reg = d.badges.find((b) => b.label === 'registration');
    const state = reg?.value ?? 'not booted';
    const c = counts.get(state) ?? { n: 0, tone: reg?.tone ?? 'info' };
    c.n += 1;
    counts.set(state, c);
  }
  const badges: Badge[] = [...counts]
    .sort(([, a], [, b]) => TONES.indexOf(a.tone) - TONES.indexOf(b.tone) || b.n - a.n)
    .map(([state, c]) => ({ label: state, value: String(c.n), tone: c.tone }));
  return {
    name: fleet.lane,
    kind: `${members.length} phones`,
    address: null,
    ports: [],
    running: members.some((d) => d.running),
    badges,
    firstSeq: Math.min(...members.map((d) => d.firstSeq)),
  };
}

/**
 * The picture's graph with the fleet as one box: the devices that are not its phones, its box, the
 * links none of its phones is on, and its own links (`FleetLinks`, which joined its phones').
 */
export function fleetGraph(
  fleet: FleetView | null,
  devices: DeviceView[],
  links: LinkView[],
  fleetLinks: LinkView[],
): { devices: DeviceView[]; links: LinkView[] } {
  if (!fleet) return { devices, links };
  const member = new Set(devices.filter((d) => d.kind === fleet.kind).map((d) => d.name));
  return {
    devices: [...devices.filter((d) => !member.has(d.name)), fleetDevice(fleet, devices)],
    links: [...links.filter((l) => !member.has(l.from) && !member.has(l.to)), ...fleetLinks],
  };
}

/**
 * The fleet's links as exchanges arrive: each member's link to a server adds what it gained since it
 * was last seen to the fleet's link to that server (no pass over every link per event).
 */
export class FleetLinks {
  readonly #joined = new Map<string, LinkView>();
  readonly #seen = new Map<string, { count: number; failed: number }>();

  /** The fleet's link that `l` (a member's link) is part of, updated; null when `l` is no member's. */
  apply(l: LinkView, isMember: (name: string) => boolean, lane: string): LinkView | null {
    const fromMember = isMember(l.from);
    const toMember = isMember(l.to);
    if (fromMember === toMember) return null;
    const from = fromMember ? lane : l.from;
    const to = toMember ? lane : l.to;
    const id = [from, to].sort().join('|');
    const before = this.#seen.get(l.id) ?? { count: 0, failed: 0 };
    this.#seen.set(l.id, { count: l.count, failed: l.failed });
    let j = this.#joined.get(id);
    if (!j) {
      j = { ...l, id, from, to, services: [], count: 0, failed: 0 };
      this.#joined.set(id, j);
    }
    j.count += l.count - before.count;
    j.failed += l.failed - before.failed;
    for (const s of l.services) if (!j.services.includes(s)) j.services.push(s);
    if (l.lastSeq >= j.lastSeq) {
      j.lastSeq = l.lastSeq;
      j.lastTone = l.lastTone;
    }
    return { ...j, services: [...j.services] };
  }

  all(): LinkView[] {
    return [...this.#joined.values()].map((l) => ({ ...l, services: [...l.services] }));
  }
}
