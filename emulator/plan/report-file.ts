/**
 * A shard's JSON report as `uclab merge-reports` reads it back from disk: a CI artifact, which may be
 * truncated, from another tool, or from another version of uclab. It is parsed into what a merge
 * uses, once, and a bad one is refused with the file and the path of the field (`phones[3].outcome`),
 * never with a JavaScript error from the middle of the merge.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SCHEMA_VERSION } from '../events.ts';
import { pathOf } from './plan-problems.ts';
import { OUTCOMES, type PhoneOutcome, type PhoneState, type ShardReport } from './report.ts';

const outcome = z.enum(OUTCOMES as [PhoneOutcome, ...PhoneOutcome[]]);
const state = z.union([outcome, z.literal('offline')]) as z.ZodType<PhoneState>;
const count = z.number().int().min(0);

const shardReport = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  kind: z.literal('plan'),
  plan: z.object({
    id: z.string(),
    title: z.string().nullable(),
    digest: z.string(),
    steps: z.array(z.string()),
  }),
  shards: z
    .object({ covered: z.array(z.number().int().min(1)), of: z.number().int().min(1) })
    .refine((s) => s.covered.every((c) => c <= s.of), { message: 'a covered shard is past the shard count' }),
  fleetSize: count,
  allowBroken: count,
  durationMs: z.number().min(0),
  steps: z.array(
    z.object({
      id: z.string(),
      op: z.string(),
      title: z.string(),
      resets: count,
      boots: count,
      unsettled: z.array(z.object({ phone: z.string(), waitingFor: z.string() })),
      adminFailures: z.array(z.string()),
    }),
  ),
  cells: z
    .object({
      count,
      size: count,
      workers: count,
      bootsInFlight: count,
      certificates: z.string().nullable(),
      byteIdentical: z.boolean(),
      itlDigests: z.array(z.string()),
    })
    .nullable(),
  phones: z.array(
    z.object({
      index: count,
      name: z.string(),
      group: z.string(),
      model: z.string(),
      firmware: z.string(),
      outcome,
      changedAt: z.string().nullable(),
      reason: z.string(),
      cell: count,
      states: z.array(state),
    }),
  ),
}) satisfies z.ZodType<ShardReport>;

export type ReadReport = { ok: true; report: ShardReport } | { ok: false; message: string };

/** Parses a shard report's JSON text; `file` names it in the message. */
export function parseShardReport(text: string, file: string): ReadReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: `${file}: not JSON (${(e as Error).message})` };
  }
  const kind = (data as { kind?: unknown } | null)?.kind;
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (kind !== 'plan' || version !== SCHEMA_VERSION)
    return {
      ok: false,
      message: `${file}: not a uclab plan report of schemaVersion ${SCHEMA_VERSION} (kind ${JSON.stringify(kind ?? null)}, schemaVersion ${JSON.stringify(version ?? null)})`,
    };
  const r = shardReport.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { ok: false, message: `${file}: ${pathOf(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, report: r.data };
}

export function readShardReport(file: string): ReadReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { ok: false, message: `${file}: cannot read it (${(e as Error).message})` };
  }
  return parseShardReport(text, file);
}
