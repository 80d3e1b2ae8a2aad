/**
 * A plan's fleet, expanded into phones: each with its own MAC, line, model, firmware and offline
 * windows. Deterministic: the same plan gives the same phones on every runner, so `--shard i/N` runs
 * (here or on other machines) split one fleet without talking to each other.
 */
import type { PhoneGroupDecl, PlanFile } from './plan-file.ts';

export interface FleetPhone {
  /** Position in the whole fleet, from 0: shards and reports refer to it. */
  index: number;
  name: string;
  mac: string;
  line: string;
  group: string;
  model: string;
  firmware: string;
  protocol: 'SCCP' | 'SIP';
  security: 'non-secure' | 'authenticated' | 'encrypted';
  certificate: 'mic' | 'lsc';
  tftpEncryptedConfig: boolean;
  /** Step ids during which the phone is switched off. */
  offlineDuring: string[];
}

export const groupName = (g: PhoneGroupDecl) => g.name ?? g.model;

/** Counts per group: explicit counts, then `size` shared by weight (largest remainder, stable). */
export function groupCounts(plan: PlanFile): number[] {
  const groups = plan.fleet.groups;
  const fixed = groups.reduce((n, g) => n + (g.count ?? 0), 0);
  const weighted = groups.filter((g) => g.weight !== undefined);
  const rest = Math.max(0, (plan.fleet.size ?? fixed) - fixed);
  const totalWeight = weighted.reduce((n, g) => n + (g.weight ?? 0), 0);
  const shares = groups.map((g) => (g.weight === undefined ? 0 : (rest * g.weight) / totalWeight));
  const counts = groups.map((g, i) => g.count ?? Math.floor(shares[i] ?? 0));
  let left = rest - counts.reduce((n, c, i) => n + (groups[i]?.weight === undefined ? 0 : c), 0);
  const byRemainder = shares
    .map((s, i) => ({ i, r: s - Math.floor(s) }))
    .filter(({ i }) => groups[i]?.weight !== undefined)
    .sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left <= 0) break;
    counts[i] = (counts[i] ?? 0) + 1;
    left--;
  }
  return counts;
}

function macAt(base: string, offset: number): string {
  const n = BigInt(`0x${base}`) + BigInt(offset);
  if (n > 0xffffffffffffn) throw new RangeError(`MAC range from ${base} overflows after ${offset} phones`);
  return n.toString(16).toUpperCase().padStart(12, '0');
}

/**
 * Phones in a fixed, smoothly interleaved order (at each position the group furthest behind its share
 * comes next), so that any contiguous part of the fleet, a shard included, holds every group in
 * proportion.
 */
export function expandFleet(plan: PlanFile): FleetPhone[] {
  const counts = groupCounts(plan);
  const groups = plan.fleet.groups;
  const total = counts.reduce((n, c) => n + c, 0);
  const order: number[] = [];
  const assigned = counts.map(() => 0);
  for (let k = 0; k < total; k++) {
    let best = -1;
    let bestDeficit = Number.NEGATIVE_INFINITY;
    for (let g = 0; g < groups.length; g++) {
      if ((assigned[g] ?? 0) >= (counts[g] ?? 0)) continue;
      const deficit = ((counts[g] ?? 0) * (k + 1)) / total - (assigned[g] ?? 0);
      if (deficit > bestDeficit) {
        best = g;
        bestDeficit = deficit;
      }
    }
    order.push(best);
    assigned[best] = (assigned[best] ?? 0) + 1;
  }
  const phones = order.map((g, index): FleetPhone => {
    const decl = groups[g] as PhoneGroupDecl;
    const mac = macAt(plan.fleet.macBase, index);
    return {
      index,
      name: `SEP${mac}`,
      mac,
      line: String(plan.fleet.lineBase + index),
      group: groupName(decl),
      model: decl.model,
      firmware: decl.firmware,
      protocol: decl.protocol,
      security: decl.security,
      certificate: decl.certificate,
      tftpEncryptedConfig: decl.tftpEncryptedConfig,
      offlineDuring: [],
    };
  });
  const stepIds = plan.steps.map((s) => s.id);
  for (const w of plan.fleet.offline) {
    const from = stepIds.indexOf(w.from);
    const until = stepIds.indexOf(w.until);
    const during = stepIds.slice(from, until + 1);
    const eligible = phones.filter((p) => !w.groups || w.groups.includes(p.group));
    const n = w.count ?? Math.round((w.fraction ?? 0) * eligible.length);
    // Evenly spread over the eligible phones, so every group and every shard loses its share.
    for (let k = 0; k < Math.min(n, eligible.length); k++) {
      const p = eligible[Math.floor((k * eligible.length) / n)];
      if (p) p.offlineDuring.push(...during.filter((s) => !p.offlineDuring.includes(s)));
    }
  }
  return phones;
}

export interface Shard {
  index: number;
  count: number;
}

/** `2/4`: the second of four shards. `i/N` counts from 1, as CI job matrices and indexed Jobs number them. */
export function parseShard(text: string): { ok: true; shard: Shard } | { ok: false; message: string } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const i = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (!m || n < 1 || i < 1 || i > n) {
    return { ok: false, message: `--shard ${text}: expected i/N with 1 <= i <= N, e.g. 1/4` };
  }
  return { ok: true, shard: { index: i - 1, count: n } };
}

/** The phones one shard runs: a contiguous part of the interleaved fleet, sizes differing by one at most. */
export function shardOf(phones: FleetPhone[], shard: Shard): FleetPhone[] {
  const from = Math.floor((shard.index * phones.length) / shard.count);
  const to = Math.floor(((shard.index + 1) * phones.length) / shard.count);
  return phones.slice(from, to);
}

/**
 * The fleet's phones split into cells of at most `cellSize` (one lab each, with the cluster: 200 phones
 * by default, as a real cluster spreads its phones over subscribers): contiguous runs of the
 * interleaved order, as even as possible, so every cell holds every group in proportion.
 */
export function splitCells(phones: FleetPhone[], cellSize: number): FleetPhone[][] {
  if (phones.length === 0) return [];
  const count = Math.ceil(phones.length / cellSize);
  return Array.from({ length: count }, (_, i) =>
    phones.slice(Math.floor((i * phones.length) / count), Math.floor(((i + 1) * phones.length) / count)),
  );
}
