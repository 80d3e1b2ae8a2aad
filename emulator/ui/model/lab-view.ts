/**
 * The view model: folds the lab timeline, one event at a time, into what the page shows (view.ts), and
 * says which entities each event changed (patches). The live page applies the patches as they come;
 * the report file embeds the snapshot. Events are the only input (architecture decision 7): no device
 * is ever asked anything.
 */
import { CONNECTION_KINDS, Connections } from './connections.ts';
import { isKnownDeviceKind, type RowSpec, renderDeviceEvent, SKIP } from './device-events.ts';
import { asRawEvent, endpoint, num, type RawEvent, str } from './fields.ts';
import { FleetLinks, fleetDevice, fleetGraph, fleetOf } from './fleet.ts';
import { renderGeneric } from './generic.ts';
import { NOT_DEVICES, Picture } from './picture.ts';
import { Screens } from './screens.ts';
import { type StepPlan, Steps } from './steps.ts';
import type { DeviceView, LabHeader, LabView, LadderRow, Layout, LogLine, Patch } from './view.ts';
import { WIRE_KINDS, WireRows } from './wire-rows.ts';

export type { StepPlan } from './steps.ts';

/**
 * The window the view keeps of a long-running lab (architecture decision 7: flat memory): the latest
 * ladder rows and log lines. A newly connected page gets this window and the whole aggregated state
 * (devices, links, screens, steps); what left the window is counted in the header.
 */
export interface ViewLimits {
  rows: number;
  logs: number;
}

export const DEFAULT_VIEW_LIMITS: ViewLimits = { rows: 2_000, logs: 5_000 };

/** Kinds that change the picture only (not a ladder row of their own). */
const PICTURE_ONLY = new Set([
  'lab.started',
  'lab.stopping',
  'lab.stopped',
  'device.started',
  'device.stopped',
  'net.listen',
]);

export class LabViewModel {
  readonly #header: LabHeader = {
    name: '',
    block: null,
    started: null,
    stopped: null,
    events: 0,
    lastSeq: 0,
    dropped: { rows: 0, logs: 0 },
    limits: { ...DEFAULT_VIEW_LIMITS },
    fleet: null,
  };
  readonly #fleetLinks = new FleetLinks();
  readonly #picture = new Picture();
  readonly #rows = new Map<string, LadderRow>();
  #logs: LogLine[] = [];
  readonly #steps = new Steps();
  /** The last event seq of a row on each lane: a status message shows the lines since then. */
  readonly #lastRowSeq = new Map<string, number>();
  /** From `lab.stopping` on, devices tear down: the page keeps showing the lab as the steps left it. */
  #stopping = false;
  #layout: Layout | null = null;
  readonly #connections: Connections;
  readonly #wire: WireRows;
  readonly #screens: Screens;
  readonly #limits: ViewLimits;

  constructor(limits: Partial<ViewLimits> = {}) {
    this.#limits = { ...DEFAULT_VIEW_LIMITS, ...limits };
    this.#header.limits = { ...this.#limits };
    this.#connections = new Connections({
      deviceAt: (a) => this.#picture.deviceAt(a),
      kindOf: (d) => this.#picture.kindOf(d),
    });
    this.#wire = new WireRows({
      deviceAt: (a) => this.#picture.deviceAt(a),
      connection: (id) => this.#connections.connection(id),
      connectionFrom: (a, p) => this.#connections.connectionFrom(a, p),
    });
    this.#screens = new Screens((n) => this.#picture.laneOf(n));
  }

  /** What the model holds, for a test that a long run stays bounded. */
  retained(): { rows: number; logs: number; connections: number; waiting: number } {
    return {
      rows: this.#rows.size,
      logs: this.#logs.length,
      connections: this.#connections.size,
      waiting: this.#wire.waiting,
    };
  }

  laneOf(nameOrAddress: string): string | null {
    return this.#picture.laneOf(nameOrAddress);
  }

  /** The steps the scenario will run, before they run (the step-through shows what comes next). */
  setPlan(plan: StepPlan[]): Patch[] {
    const out: Patch[] = [];
    this.#steps.plan(plan, out);
    return out;
  }

  setLayout(layout: Layout): Patch {
    this.#layout = layout;
    return { k: 'layout', v: layout };
  }

  /** Folds one event (checked first: a malformed line changes nothing) and returns what changed. */
  apply(input: unknown): Patch[] {
    const e = asRawEvent(input);
    if (!e) return [];
    const out: Patch[] = [];
    this.#header.events += 1;
    this.#header.lastSeq = Math.max(this.#header.lastSeq, e.seq);
    if (!this.#header.name && e.lab) this.#header.name = e.lab;
    if (e.kind === 'lab.started') {
      this.#header.block = str(e.block);
      this.#header.started = e.time;
    }
    if (e.kind === 'lab.stopping') this.#stopping = true;
    if (e.kind === 'lab.stopped') this.#header.stopped = str(e.reason) ?? 'stopped';
    if (!this.#stopping) this.#picture.apply(e, out);
    else this.#picture.stopped(e, out);
    const connId = str(e.connId);
    const settling = CONNECTION_KINDS.has(e.kind) && connId !== null && this.#connections.has(connId);
    if (!this.#stopping || settling) this.#ladder(e, out);
    if (e.kind === 'log') {
      const line: LogLine = {
        seq: e.seq,
        t: e.t,
        device: e.device,
        source: str(e.source) ?? '',
        level: str(e.level) ?? 'info',
        text: str(e.text) ?? '',
      };
      this.#logs.push(line);
      // Let the oldest tenth go at once, so trimming is not paid per line.
      if (this.#logs.length > this.#limits.logs) {
        const n = Math.max(1, Math.ceil(this.#limits.logs / 10));
        this.#logs = this.#logs.slice(n);
        this.#header.dropped.logs += n;
      }
      out.push({ k: 'log', v: line });
    }
    const screen = this.#stopping ? null : this.#screens.apply(e);
    if (screen) out.push({ k: 'screen', v: screen });
    const divider = this.#steps.apply(e, out, (id) => this.#rows.get(id));
    if (divider) this.#putRow(divider, out);
    this.#fleet(e, out);
    out.push({ k: 'lab', v: this.#headerCopy() });
    return out;
  }

  #headerCopy(): LabHeader {
    return {
      ...this.#header,
      dropped: { ...this.#header.dropped },
      limits: { ...this.#header.limits },
      fleet: this.#header.fleet ? { ...this.#header.fleet } : null,
    };
  }

  // ---------------------------------------------------------------- a lab of many phones

  #isMember = (name: string): boolean => {
    const f = this.#header.fleet;
    return f !== null && this.#picture.kindOf(name) === f.kind;
  };

  /** Keeps the fleet's box and links in step with its phones' patches (model/fleet.ts). */
  #fleet(e: RawEvent, out: Patch[]): void {
    if (e.kind === 'device.started') {
      const was = this.#header.fleet;
      this.#header.fleet = fleetOf(this.#picture.devices());
      // Became a fleet: its links so far are joined once; later ones as they come.
      if (!was && this.#header.fleet)
        for (const l of this.#picture.links()) {
          const j = this.#fleetLinks.apply(l, this.#isMember, this.#header.fleet.lane);
          if (j) out.push({ k: 'link', v: j });
        }
    }
    const fleet = this.#header.fleet;
    if (!fleet) return;
    let members = false;
    for (let i = 0, n = out.length; i < n; i++) {
      const p = out[i] as Patch;
      if (p.k === 'device' && p.v.kind === fleet.kind) members = true;
      else if (p.k === 'link') {
        const j = this.#fleetLinks.apply(p.v, this.#isMember, fleet.lane);
        if (j) out.push({ k: 'link', v: j });
      }
    }
    if (members) out.push({ k: 'device', v: fleetDevice(fleet, this.#picture.devices()) });
  }

  // ---------------------------------------------------------------- the ladder

  #ladder(e: RawEvent, out: Patch[]): void {
    if (PICTURE_ONLY.has(e.kind) || e.kind.startsWith('scenario.')) return;
    // A kind without a rendering of its own that names a known connection adds to that exchange.
    const connId = str(e.connId);
    const aboutConnection =
      connId !== null &&
      !isKnownDeviceKind(e.kind) &&
      !WIRE_KINDS.has(e.kind) &&
      e.kind !== 'log' &&
      this.#connections.has(connId);
    if (CONNECTION_KINDS.has(e.kind) || aboutConnection) {
      const row = this.#connections.apply(e);
      if (row) {
        this.#connectionRow(row, e, out);
        return;
      }
    }
    if (WIRE_KINDS.has(e.kind)) {
      const row = this.#wire.apply(e);
      if (row) {
        for (const lane of [row.from, row.to]) if (lane) this.#picture.device(lane, e.seq, out);
        // A transfer shows the lines since its lane's previous exchange (the console's request line).
        const previous = this.#lastRowSeq.get(row.from);
        if (row.protocol === 'TFTP' && row.seq === e.seq && previous !== undefined)
          row.logFrom = Math.min(row.seq, previous + 1);
        this.#putRow(row, out);
        return;
      }
    }
    if (e.kind === 'log') {
      this.#logRow(e, out);
      return;
    }
    const spec = this.#special(e) ?? renderDeviceEvent(e, this) ?? renderGeneric(e);
    if (spec === SKIP) return;
    const absorbed = e.kind === 'expressway.mra-request' ? this.#wire.absorb(e, spec) : null;
    if (absorbed) this.#putRow(absorbed, out);
    else this.#putSpec(e, spec, out);
  }

  #connectionRow(row: LadderRow, e: RawEvent, out: Patch[]): void {
    // A lane known only by its address may be a lab device whose own end of the connection is not on
    // the timeline yet; it becomes a lane of its own (a peer outside the lab) once the connection
    // closes without one.
    const settled = e.kind === 'net.close';
    const lanes = [row.from, row.to].filter((l): l is string => !!l && !NOT_DEVICES.has(l));
    const known = lanes.every((l) => this.#picture.has(l));
    if (known || settled) for (const lane of lanes) this.#picture.device(lane, e.seq, out);
    this.#putRow(row, out, known || settled);
  }

  #logRow(e: RawEvent, out: Patch[]): void {
    const text = str(e.text) ?? '';
    const source = str(e.source);
    if (source === 'status') {
      // What the phone's screen says is part of the story the ladder tells.
      const level = str(e.level) ?? 'info';
      const bad = level === 'warning' || level === 'error';
      this.#putSpec(
        e,
        {
          shape: 'note',
          from: e.device,
          to: null,
          protocol: 'screen',
          title: `“${text}”`,
          outcome: bad ? 'failed' : 'info',
          reason: bad ? `the phone shows "${text}"` : null,
          facts: [],
          text: null,
        },
        out,
      );
    }
  }

  /** The lab machinery's own kinds that are not about one connection. */
  #special(e: RawEvent): RowSpec | null {
    if (e.kind === 'net.error' && str(e.connId) === null) {
      return {
        shape: 'note',
        from: e.device,
        to: null,
        protocol: 'network',
        title: `connection failed · ${str(e.code) ?? ''}`,
        outcome: 'failed',
        reason: str(e.message),
        facts: [],
        text: null,
      };
    }
    if (e.kind === 'net.refused') {
      const remote = endpoint(e.remote);
      const from = remote ? (this.laneOf(remote.address) ?? remote.address) : '?';
      return {
        shape: 'exchange',
        from,
        to: e.device,
        protocol: 'network',
        title: `connection turned away · ${str(e.reason) ?? ''} limit ${num(e.limit) ?? '?'}`,
        outcome: 'refused',
        reason: `${e.device} holds ${num(e.open) ?? '?'} connections (limit ${num(e.limit) ?? '?'})`,
        facts: [],
        text: null,
      };
    }
    return null;
  }

  #putSpec(e: RawEvent, spec: RowSpec, out: Patch[]): void {
    for (const lane of [spec.from, spec.to]) {
      if (lane && !NOT_DEVICES.has(lane)) this.#picture.device(lane, e.seq, out);
    }
    const previous = this.#lastRowSeq.get(spec.from);
    this.#putRow(
      {
        id: `ev-${e.seq}`,
        seq: e.seq,
        lastSeq: e.seq,
        t: e.t,
        logFrom: spec.protocol === 'screen' && previous !== undefined ? previous + 1 : e.seq,
        shape: spec.shape,
        from: spec.from,
        to: spec.to,
        protocol: spec.protocol,
        title: spec.title,
        outcome: spec.outcome,
        reason: spec.reason,
        detail: { facts: spec.facts, certificates: [], decisions: [], text: spec.text },
      },
      out,
    );
  }

  #putRow(row: LadderRow, out: Patch[], linked = true): void {
    this.#rows.set(row.id, row);
    if (this.#rows.size > this.#limits.rows) this.#dropRows();
    for (const lane of [row.from, row.to]) {
      if (lane) this.#lastRowSeq.set(lane, Math.max(this.#lastRowSeq.get(lane) ?? 0, row.lastSeq));
    }
    out.push({ k: 'row', v: row });
    if (linked && row.shape === 'exchange' && row.to && row.to !== row.from) this.#picture.link(row, out);
  }

  /** Lets the oldest tenth of the rows go (by when they opened), with what only they needed. */
  #dropRows(): void {
    const n = Math.max(1, Math.ceil(this.#limits.rows / 10));
    let left = n;
    for (const id of this.#rows.keys()) {
      if (left-- <= 0) break;
      this.#rows.delete(id);
      this.#picture.forgetRow(id);
      if (id.startsWith('conn-')) this.#connections.forget(id.slice('conn-'.length));
    }
    this.#header.dropped.rows += n;
  }

  // ---------------------------------------------------------------- the whole view

  snapshot(): LabView {
    return {
      schemaVersion: 1,
      lab: this.#headerCopy(),
      devices: this.#devicesWithFleet(),
      links: [...this.#picture.links(), ...(this.#header.fleet ? this.#fleetLinks.all() : [])],
      rows: [...this.#rows.values()].sort((a, b) => a.seq - b.seq),
      logs: [...this.#logs],
      screens: this.#screens.all(),
      steps: this.#steps.all(),
      layout: this.#layout,
    };
  }

  /** Names of the devices and links: when it changes, the picture needs a new layout. */
  graphKey(): string {
    return this.#picture.graphKey();
  }

  /** What the picture lays out: a fleet as its one box (model/fleet.ts). */
  graph(): { devices: ReturnType<Picture['devices']>; links: ReturnType<Picture['links']> } {
    return fleetGraph(
      this.#header.fleet,
      this.#picture.devices(),
      this.#picture.links(),
      this.#fleetLinks.all(),
    );
  }

  #devicesWithFleet(): DeviceView[] {
    const devices = this.#picture.devices();
    return this.#header.fleet ? [...devices, fleetDevice(this.#header.fleet, devices)] : devices;
  }
}

/** The view of a whole timeline at once (the report file, a finished run). */
export function viewOf(events: readonly unknown[], plan: StepPlan[] = []): LabView {
  const m = new LabViewModel();
  m.setPlan(plan);
  for (const e of events) m.apply(e);
  return m.snapshot();
}
