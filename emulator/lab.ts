/**
 * A running lab: its address block, timeline, fabric, clock, artifacts and devices. A lab is built
 * from a declaration (plain data, validated), started, driven by scenario steps, and stopped; stopping
 * leaves no socket or timer behind.
 */
import { writeFileSync } from 'node:fs';
import { type AddressBlock, claimAddressBlock } from './address-block.ts';
import { Artifacts } from './artifacts.ts';
import { LabClock } from './clock.ts';
import type { Device, DeviceContext, DeviceDescription } from './device.ts';
import { deviceKind, deviceKinds, type LabView } from './device-registry.ts';
import { closest } from './did-you-mean.ts';
import { SCHEMA_VERSION, Timeline } from './events.ts';
import { Fabric } from './fabric.ts';
import { formatDeviceLog } from './logs/format.ts';
import type { ListenerLimits } from './net/config.ts';
import { blocksForDevices } from './net/hosts.ts';
import { type TransportName, transportNamed } from './net/transport-choice.ts';
import { MAX_PROBLEMS, moreLine, pathText } from './problems.ts';
import { err, ok, type Result, type UclabError } from './result.ts';
import { nearestOption } from './schema-fields.ts';

/** The timeline's JSON-lines file in the artifacts folder. */
const TIMELINE_FILE = 'timeline.jsonl';

export interface LabOptions {
  name: string;
  seed?: string;
  /** `127.A.B` to claim exactly that block; otherwise a free one is found. */
  block?: string;
  /**
   * Devices the lab will hold (default: as many as one /24 holds, 241). A lab of more takes a block
   * of several /24s (address-block.ts): a fleet of phones on one cluster.
   */
  devices?: number;
  /** A folder; null: artifacts kept in memory only; false: none kept at all (a fleet cell's lab). */
  artifactsDir?: string | null | false;
  allowExternal?: boolean;
  /** Limits for every listener that sets none of its own (see `DEFAULT_LISTENER_LIMITS`). */
  listenerDefaults?: Partial<ListenerLimits>;
  /**
   * Events the timeline keeps in memory (default `DEFAULT_MAX_EVENTS`); older ones are counted and, with
   * an artifacts folder, appended to timeline.jsonl as they are dropped.
   */
  maxEvents?: number;
  /** False: wire messages and log lines are not kept in memory (`TimelineOptions.keepBulk`). */
  keepBulk?: boolean;
  /**
   * What the lab's devices talk over: `loopback` (real sockets, the default: openssl, curl and tshark
   * can reach the lab) or `memory` (real TLS over in-process streams: no file descriptor per
   * connection, for fleets past the descriptor limit; nothing outside the process can reach it).
   */
  transport?: TransportName;
  /** Lab start (ms) to anchor certificate lifetimes on: labs given the same seed and start issue identical PKIs. */
  start?: number;
}

/** A lab declaration as a scenario writes it: plain data, checked before anything starts. */
export interface LabDeclaration {
  devices: ({ kind: string; name: string } & Record<string, unknown>)[];
}

/** A declaration error: the path of the bad field and a hint (exit code 2 of the runner). */
export interface DeclarationError extends UclabError {
  path: string;
  /** With several mistakes: each one (this one first), so that a scenario's author sees them all at once. */
  problems?: { path: string; message: string }[];
}

/**
 * Every problem of a declaration as one error: the first one's code and path, and a line per problem
 * (`lab.devices[1].mac: ...`), as a plan file's problems are listed (plan/plan-problems.ts).
 */
export function declarationProblems(problems: DeclarationError[]): Result<never, DeclarationError> {
  const [first] = problems;
  if (!first) throw new Error('declarationProblems needs a problem');
  if (problems.length === 1) return err(first);
  const shown = problems.slice(0, MAX_PROBLEMS);
  const more = problems.length - shown.length;
  return err({
    ...first,
    message: [...shown.map((p) => p.message), ...moreLine(more)].join('\n'),
    problems: problems.map((p) => ({ path: p.path, message: p.message })),
  });
}

/** Checks a declaration against the registered device kinds; returns the parsed declarations. */
export function validateLab(decl: unknown): Result<{ kind: string; name: string }[], DeclarationError> {
  if (typeof decl !== 'object' || decl === null || !Array.isArray((decl as LabDeclaration).devices)) {
    return err({
      code: 'lab.invalid',
      path: 'lab.devices',
      message: 'lab.devices: expected a list of devices',
    });
  }
  const devices = (decl as LabDeclaration).devices;
  const out: { kind: string; name: string }[] = [];
  const names = new Set<string>();
  const problems: DeclarationError[] = [];
  for (const [i, d] of devices.entries()) {
    const kind = typeof d === 'object' && d !== null ? (d as { kind?: unknown }).kind : undefined;
    const k = typeof kind === 'string' ? deviceKind(kind) : undefined;
    if (!k) {
      const near = typeof kind === 'string' ? closest(kind, deviceKinds()) : null;
      problems.push({
        code: 'lab.unknown-kind',
        path: `lab.devices[${i}].kind`,
        message: `lab.devices[${i}].kind: ${JSON.stringify(kind)} is not a device kind; ${near ? `did you mean "${near}"? Kinds: ` : 'use one of '}${deviceKinds().join(', ')}`,
      });
      continue;
    }
    // Names are compared whatever else is wrong with the device, so a clash is reported with the rest.
    const rawName = (d as { name?: unknown }).name;
    if (typeof rawName === 'string') {
      if (names.has(rawName.toLowerCase())) {
        problems.push({
          code: 'lab.duplicate-name',
          path: `lab.devices[${i}].name`,
          message: `lab.devices[${i}].name: "${rawName}" is declared twice`,
        });
        continue;
      }
      names.add(rawName.toLowerCase());
    }
    const parsed = k.schema.safeParse(d);
    if (!parsed.success) {
      // One problem a field: a field's own check and a device-wide rule about it may both speak.
      const seen = new Set<string>();
      for (const issue of parsed.error.issues) {
        const path = pathText(['lab', 'devices', i, ...issue.path]);
        if (seen.has(path)) continue;
        seen.add(path);
        const near = nearestOption(issue, d);
        const hint = near ? ` (did you mean "${near}"?)` : '';
        problems.push({ code: 'lab.invalid', path, message: `${path}: ${issue.message}${hint}` });
      }
      continue;
    }
    out.push(parsed.data);
  }
  return problems.length > 0 ? declarationProblems(problems) : ok(out);
}

export class Lab {
  readonly devices = new Map<string, Device>();
  readonly #declared = new Map<string, { kind: string; name: string }>();
  #started = false;
  #stopped = false;

  private constructor(
    readonly name: string,
    readonly seed: string,
    readonly block: AddressBlock,
    readonly timeline: Timeline,
    readonly fabric: Fabric,
    readonly clock: LabClock,
    readonly artifacts: Artifacts,
  ) {}

  static async create(opts: LabOptions): Promise<Lab> {
    const block = await claimAddressBlock(
      opts.block,
      opts.devices === undefined ? 1 : blocksForDevices(opts.devices),
    );
    const clock = new LabClock(opts.start);
    const artifacts = new Artifacts(opts.artifactsDir ?? null);
    // timeline.jsonl grows as the timeline drops events and gets the rest when the lab stops.
    if (artifacts.dir) artifacts.write(TIMELINE_FILE, '');
    const timeline = new Timeline(opts.name, clock.start, {
      maxEvents: opts.maxEvents,
      keepBulk: opts.keepBulk,
      spill: artifacts.dir ? (lines) => artifacts.append(TIMELINE_FILE, lines) : null,
    });
    const fabric = new Fabric({
      block,
      timeline,
      keylogPath: artifacts.dir ? artifacts.pathOf('keys.log') : null,
      allowExternal: opts.allowExternal ?? false,
      listenerDefaults: opts.listenerDefaults,
      transport: transportNamed(opts.transport ?? 'loopback'),
    });
    if (artifacts.dir) artifacts.write('keys.log', '');
    const lab = new Lab(opts.name, opts.seed ?? opts.name, block, timeline, fabric, clock, artifacts);
    timeline.emit('lab', 'lab.started', { block: block.cidr, artifacts: artifacts.dir });
    return lab;
  }

  get context(): DeviceContext {
    return {
      fabric: this.fabric,
      timeline: this.timeline,
      clock: this.clock,
      artifacts: this.artifacts,
      seed: this.seed,
    };
  }

  /** Creates the declared devices (validated first); nothing starts until `start()`. */
  build(decl: unknown): Result<void, DeclarationError> {
    const parsed = validateLab(decl);
    if (!parsed.ok) return parsed;
    if (parsed.value.length > this.fabric.hostsFree)
      return err({
        code: 'lab.too-many-devices',
        path: 'lab.devices',
        message: `lab.devices: ${parsed.value.length} devices do not fit in the lab's block ${this.block.cidr}, which has addresses for ${this.fabric.hostsFree} more (a lab created with \`devices: ${parsed.value.length}\` takes a larger block)`,
      });
    for (const d of parsed.value) this.#declared.set(d.name.toLowerCase(), d);
    const view: LabView = { declared: (n) => this.#declared.get(n.toLowerCase()) };
    for (const [i, d] of parsed.value.entries()) {
      const k = deviceKind(d.kind);
      if (!k) throw new Error(`kind ${d.kind} vanished from the registry`);
      try {
        this.add(k.create(d, this.context, view));
      } catch (e) {
        return err({
          code: 'lab.device-failed',
          path: `lab.devices[${i}]`,
          message: `lab.devices[${i}] (${d.name}): ${(e as Error).message}`,
        });
      }
    }
    return ok(undefined);
  }

  add<D extends Device>(device: D): D {
    if (this.devices.has(device.name)) throw new Error(`device ${device.name} is already in the lab`);
    this.devices.set(device.name, device);
    return device;
  }

  /** A device by name, checked against the expected class when one is given. */
  device<D extends Device = Device>(name: string, cls?: abstract new (...args: never[]) => D): D {
    const d = this.devices.get(name);
    if (!d)
      throw new Error(`no device named ${name} in the lab (have: ${[...this.devices.keys()].join(', ')})`);
    if (cls && !(d instanceof cls)) throw new Error(`device ${name} is a ${d.kind}, not a ${cls.name}`);
    return d as D;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    for (const d of this.devices.values()) {
      await d.start();
      this.timeline.emit(d.name, 'device.started', { deviceKind: d.kind, address: d.address });
    }
  }

  async stop(reason = 'stopped'): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.timeline.emit('lab', 'lab.stopping', { reason });
    // A device that fails to stop must not keep the others, the fabric or the block alive.
    const failures: string[] = [];
    for (const d of [...this.devices.values()].reverse()) {
      try {
        await d.stop();
      } catch (e) {
        failures.push(`${d.name}: ${(e as Error).message}`);
      }
      this.timeline.emit(d.name, 'device.stopped', {});
    }
    await this.fabric.close();
    this.timeline.emit('lab', 'lab.stopped', { reason });
    if (this.artifacts.dir) {
      this.artifacts.append(TIMELINE_FILE, this.timeline.toJsonLines());
      for (const d of this.devices.values()) {
        const lines = formatDeviceLog(this.timeline.ofKind('log', d.name), {
          kind: d.kind,
          device: d.name,
          address: d.address,
        });
        if (lines.length > 0) this.artifacts.write(`logs/${d.name}.log`, `${lines.join('\n')}\n`);
      }
    }
    await this.block.release();
    if (failures.length > 0) throw new Error(`devices failed to stop: ${failures.join('; ')}`);
  }

  describe(extra: { console?: string | null } = {}): {
    schemaVersion: number;
    lab: string;
    block: string;
    artifacts: string | null;
    /** The admin console socket of a lab kept running by `uclab up` (see `uclab console`). */
    console: string | null;
    devices: DeviceDescription[];
  } {
    return {
      schemaVersion: SCHEMA_VERSION,
      lab: this.name,
      block: this.block.cidr,
      artifacts: this.artifacts.dir,
      console: extra.console ?? null,
      devices: [...this.devices.values()].map((d) => d.describe()),
    };
  }

  /** Writes `lab.json` (the contract `uclab up` offers other tools) and returns its path. */
  writeLabJson(extra: { console?: string | null } = {}): string | null {
    const path = this.artifacts.pathOf('lab.json');
    if (path) writeFileSync(path, `${JSON.stringify(this.describe(extra), null, 2)}\n`);
    return path;
  }
}
