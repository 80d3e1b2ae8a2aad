/**
 * The base of every device model. A device has a name, an address of its own in the lab block, a
 * log, and nothing else shared: it learns what it knows over the wire, through the fabric.
 */
import type { Artifacts } from './artifacts.ts';
import type { LabClock } from './clock.ts';
import type { EventKind, EventMap, LabEvent, Timeline } from './events.ts';
import type { Fabric } from './fabric.ts';
import { fidelityOf } from './fidelity/fidelity.ts';

/** What a device gets from the lab it runs in. */
export interface DeviceContext {
  fabric: Fabric;
  timeline: Timeline;
  clock: LabClock;
  artifacts: Artifacts;
  /** Seed for deterministic names and serials (certificates issued per run). */
  seed: string;
}

/** A device as `lab.json` and `uclab console` describe it. */
export interface DeviceDescription {
  name: string;
  kind: string;
  address: string;
  aliases: string[];
  ports: { name: string; proto: 'tcp' | 'tls' | 'udp'; port: number }[];
  certificates: { name: string; file: string | null; subject: string }[];
  [extra: string]: unknown;
}

export abstract class Device {
  abstract readonly kind: string;
  readonly address: string;

  constructor(
    readonly name: string,
    protected readonly ctx: DeviceContext,
    readonly aliases: string[] = [],
  ) {
    this.address = ctx.fabric.addHost(name, aliases);
  }

  /** Opens the device's listeners and starts its timers. */
  abstract start(): Promise<void>;

  /** Stops timers. Sockets are closed by the fabric when the lab stops. */
  async stop(): Promise<void> {}

  abstract describe(): DeviceDescription;

  protected get fabric(): Fabric {
    return this.ctx.fabric;
  }

  protected get timeline(): Timeline {
    return this.ctx.timeline;
  }

  /** A line of this device's own log, in the product's wording. */
  log(source: string, text: string, level: EventMap['log']['level'] = 'info'): void {
    this.ctx.timeline.emit(this.name, 'log', { source, level, text, fidelity: fidelityOf(text) });
  }

  emit<K extends EventKind>(kind: K, payload: EventMap[K]): LabEvent<K> {
    return this.ctx.timeline.emit(this.name, kind, payload);
  }

  /** This device's log lines so far. */
  logLines(): string[] {
    return this.ctx.timeline.logLines(this.name);
  }
}
