/**
 * Device kinds a lab declaration may name. Each device module registers its kind with a zod schema for
 * its declaration and a factory; the lab schema is the union of the registered kinds, so a bad field
 * is reported with its path (`devices[2].firmware`) and the schema's hint.
 */
import { z } from 'zod';
import type { Device, DeviceContext } from './device.ts';

/** The part of a device declaration every kind shares. */
export const baseDeviceDecl = z.object({
  name: z
    .string()
    .regex(
      /^[A-Za-z][A-Za-z0-9._-]{0,62}$/,
      'a device name is a host name: letters, digits, ".", "_" and "-"',
    ),
  aliases: z.array(z.string()).default([]).describe('extra host names (FQDNs) that resolve to this device'),
});

export interface DeviceKind<D extends { kind: string; name: string }> {
  kind: D['kind'];
  /** One line for `uclab list --kinds` and error hints. */
  summary: string;
  schema: z.ZodType<D>;
  create(decl: D, ctx: DeviceContext, lab: LabView): Device;
  /** Host names the declaration refers to (`path` of the field, `host` as written, `[:port]` allowed). */
  hosts?(decl: D): { path: string; host: string }[];
}

/** What a factory may know of the lab it is created in: the names of the other declared devices. */
export interface LabView {
  declared(name: string): { kind: string; name: string } | undefined;
}

// Each kind keeps its own declaration type; the registry stores them side by side.
// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous registry of typed kinds
const kinds = new Map<string, DeviceKind<any>>();

export function registerDeviceKind<D extends { kind: string; name: string }>(k: DeviceKind<D>): void {
  if (kinds.has(k.kind)) throw new Error(`device kind ${k.kind} registered twice`);
  kinds.set(k.kind, k);
}

export function deviceKind(kind: string): DeviceKind<{ kind: string; name: string }> | undefined {
  return kinds.get(kind);
}

export function deviceKinds(): string[] {
  return [...kinds.keys()].sort();
}
