/**
 * Network faults a scenario (or a person at a running lab) can put on the fabric: what each one is,
 * how it is checked, and the events that record it. The reference set is toxiproxy's toxics
 * (https://github.com/Shopify/toxiproxy#toxics: latency with jitter, bandwidth, limit_data, timeout,
 * reset_peer, down), with loss and duplication added for UDP, which toxiproxy does not proxy.
 *
 * Where a fault applies (`FaultPlace`): everything to and from `device`, narrowed to one `port` and to
 * traffic with one `peer` when given. `port` is a connection's server port (the listener's: a fault on
 * a phone with port 2445 is on the phone's TVS connections), and for UDP a port at either end of the
 * datagram (69 catches TFTP read requests, not the transfers on ephemeral ports).
 *
 * When it applies: a stream fault (latency, bandwidth, reset-after, stall) to the connections accepted
 * while it is on, for their whole life (as a hung server thread stays hung); `down` to every
 * connection attempt while it is on and, when added, to the connections already open (they are cut,
 * so their peers notice at once instead of after their own keepalive timeout); UDP faults to the
 * datagrams sent while they are on.
 *
 * The listener's own limits still hold under a fault: a stalled TLS connection is closed at the
 * handshake deadline, a stalled TCP one at the idle timeout (counted on the wire, so a peer that keeps
 * sending into a stall keeps it open), and the caps count faulty connections like any other.
 */
import { z } from 'zod';
import type { Endpoint } from '../events.ts';
import { err, ok, type Result, type UclabError } from '../result.ts';

export interface FaultPlace {
  /** The lab device the fault is on. */
  device: string;
  /** Only this port: a connection's server port; for UDP, a port at either end of the datagram. */
  port?: number;
  /** Only traffic between the device and this peer (a lab device name or an IP address). */
  peer?: string;
  /** What to clear it by (`clearFault`); the fabric's id for it (`f1`, `f2`, ...) otherwise. */
  name?: string;
}

/**
 * The device is down or unreachable. `blackhole` (default): nothing answers, as a host that is powered
 * off or behind a firewall that drops: connection attempts run into the client's own timeout, datagrams
 * vanish. `refuse`: as a host that is up with the service stopped: connections to it fail at once with
 * ECONNREFUSED, its own outgoing connections with ENETUNREACH.
 */
export interface DownFault extends FaultPlace {
  kind: 'down';
  mode?: 'blackhole' | 'refuse';
}

/** Every chunk (and datagram) is held `ms` ± `jitterMs` (toxiproxy `latency`); TCP keeps the order. */
export interface LatencyFault extends FaultPlace {
  kind: 'latency';
  ms: number;
  jitterMs?: number;
}

/** UDP only: this share of the datagrams is dropped. */
export interface LossFault extends FaultPlace {
  kind: 'loss';
  percent: number;
}

/** UDP only: this share of the datagrams arrives twice. */
export interface DuplicateFault extends FaultPlace {
  kind: 'duplicate';
  percent: number;
}

/** TCP/TLS: each direction of a connection carries at most this many bytes a second (toxiproxy `bandwidth`). */
export interface BandwidthFault extends FaultPlace {
  kind: 'bandwidth';
  bytesPerSecond: number;
}

/** TCP/TLS: the connection is reset once `bytes` have passed, both directions counted (toxiproxy `limit_data`, `reset_peer`). */
export interface ResetFault extends FaultPlace {
  kind: 'reset-after';
  bytes: number;
}

/** TCP/TLS: the peer accepts and never answers (toxiproxy `timeout` with no timeout): nothing passes. */
export interface StallFault extends FaultPlace {
  kind: 'stall';
}

export type FaultSpec =
  | DownFault
  | LatencyFault
  | LossFault
  | DuplicateFault
  | BandwidthFault
  | ResetFault
  | StallFault;

export type FaultKind = FaultSpec['kind'];

/** What a fault did to one connection or connection attempt (`net.faulted`). */
export type StreamEffect = 'refused' | 'blackholed' | 'cut' | 'reset' | 'stalled' | 'slowed';
/** What a fault did to datagrams: counted, reported when the fault is removed. */
export type DatagramEffect = 'dropped' | 'duplicated' | 'delayed';
export type FaultEffect = StreamEffect | DatagramEffect;

export type FaultCounts = Partial<Record<FaultEffect, number>>;

export interface FaultError extends UclabError {
  /** The field of the spec at fault, e.g. `fault.percent`. */
  path: string;
}

declare module '../events.ts' {
  interface EventMap {
    /**
     * A fault put on the fabric or taken off it: what (`fault`, the spec as given), where (`device`,
     * `summary`), when (the event's time). On removal, `counts` says what it did while it was on.
     */
    'net.fault': {
      faultId: string;
      name: string;
      change: 'added' | 'removed';
      fault: FaultSpec;
      summary: string;
      counts: FaultCounts;
    };
    /**
     * A connection or connection attempt a fault acted on (datagrams are only counted: see `net.fault`).
     * `local` is the end the fabric saw from (null when the attempt never got a socket).
     */
    'net.faulted': {
      faultId: string;
      name: string;
      /** The fault's kind (`down`, `stall`, ...). */
      faultKind: FaultKind;
      effect: StreamEffect;
      local: Endpoint | null;
      remote: Endpoint;
      detail: string;
    };
  }
}

const place = {
  device: z.string().min(1, 'name the lab device the fault is on'),
  port: z.number().int().min(1).max(65535, 'a port is 1-65535').optional(),
  peer: z.string().min(1).optional(),
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a fault name is letters, digits, ".", "_" and "-"')
    .optional(),
};
const percent = z.number().gt(0, 'a share above 0 %').max(100, 'a share up to 100 %');

const faultShape = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('down'), ...place, mode: z.enum(['blackhole', 'refuse']).optional() }),
    z.strictObject({
      kind: z.literal('latency'),
      ...place,
      ms: z.number().min(0).max(600_000, 'a delay up to 10 minutes'),
      jitterMs: z.number().min(0).max(600_000).optional(),
    }),
    z.strictObject({ kind: z.literal('loss'), ...place, percent }),
    z.strictObject({ kind: z.literal('duplicate'), ...place, percent }),
    z.strictObject({
      kind: z.literal('bandwidth'),
      ...place,
      bytesPerSecond: z.number().int().positive('at least 1 byte a second'),
    }),
    z.strictObject({ kind: z.literal('reset-after'), ...place, bytes: z.number().int().min(0) }),
    z.strictObject({ kind: z.literal('stall'), ...place }),
  ],
  { error: 'kind must be one of down, latency, loss, duplicate, bandwidth, reset-after, stall' },
);

/** Checks a fault as given (a scenario, the console); the error names the field. */
export function checkFaultSpec(value: unknown): Result<FaultSpec, FaultError> {
  const r = faultShape.safeParse(value);
  if (r.success) return ok(r.data as FaultSpec);
  const issue = r.error.issues[0];
  const path = ['fault', ...(issue?.path ?? []).map(String)].join('.');
  return err({ code: 'fault.invalid', path, message: `${path}: ${issue?.message ?? 'invalid'}` });
}

/** One line for a person: `cucm-pub:2445 down (blackhole)`, `cucm-pub UDP loss 10 %`. */
export function describeFault(f: FaultSpec): string {
  const where = `${f.device}${f.port !== undefined ? `:${f.port}` : ''}${f.peer ? ` <-> ${f.peer}` : ''}`;
  switch (f.kind) {
    case 'down':
      return `${where} down (${f.mode ?? 'blackhole'})`;
    case 'latency':
      return `${where} latency ${f.ms} ms${f.jitterMs ? ` ± ${f.jitterMs} ms` : ''}`;
    case 'loss':
      return `${where} UDP loss ${f.percent} %`;
    case 'duplicate':
      return `${where} UDP duplication ${f.percent} %`;
    case 'bandwidth':
      return `${where} bandwidth ${f.bytesPerSecond} bytes/s`;
    case 'reset-after':
      return `${where} connections reset after ${f.bytes} bytes`;
    case 'stall':
      return `${where} stalled (accepts, never answers)`;
  }
}
