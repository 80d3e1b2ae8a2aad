/**
 * One certificate operation and the fleet's reaction to it, as a plan step and a scenario's fleet
 * step both run it: the operation as an administrator does it (operations.ts), then the wait, on
 * events, until every phone it touched has finished the boots it owes (settle.ts).
 */
import type { Lab } from '../lab.ts';
import type { FleetPhone } from './fleet.ts';
import { type AdminRecord, performStep } from './operations.ts';
import type { PlanStep } from './plan-file.ts';
import { type SettleResult, Settler } from './settle.ts';

export interface FleetStepOptions {
  lab: Lab;
  phones: readonly FleetPhone[];
  /** The phones switched off now (a live set): nothing is booted or awaited for them. */
  offline: ReadonlySet<string>;
  step: PlanStep;
  /** How long the fleet may show no progress before the wait gives up (and names who is pending). */
  idleMs: number;
  /** Phones settled, as they settle (a progress bar). */
  onSettled?: (n: number) => void;
  /** Once the operation is done, before the wait: boots the caller starts (phones switched back on). */
  afterOperation?: (track: (phone: string, boot: Promise<unknown>) => void) => void;
}

export async function runFleetStep(
  o: FleetStepOptions,
): Promise<{ admin: AdminRecord[]; settled: SettleResult }> {
  const settler = new Settler(
    o.lab.timeline,
    new Set(o.phones.map((p) => p.name)),
    o.onSettled ?? (() => {}),
    o.offline,
  );
  const admin = await performStep({ lab: o.lab, phones: o.phones, offline: o.offline, settler }, o.step);
  o.afterOperation?.((phone, boot) => settler.track(phone, boot));
  const settled = await settler.settle({ idleMs: o.idleMs, capMs: Math.max(o.idleMs * 20, 600_000) });
  return { admin, settled };
}
