/**
 * Rollover plans as data: a cluster, a fleet of phones, and an ordered list of certificate operations,
 * written as YAML or JSON by a CI team (no TypeScript needed) or built in a TypeScript scenario.
 *
 *     schemaVersion: 1
 *     id: regen-callmanager
 *     cluster: { release: '11.5', subscribers: 1 }
 *     fleet:
 *       size: 300
 *       groups:
 *         - { model: CP-8861, firmware: sip-88xx-14.2, protocol: SIP, weight: 70 }
 *         - { model: CP-7975G, firmware: sccp-79xx-9.4, protocol: SCCP, weight: 30 }
 *       offline: [{ fraction: 0.05, from: regen, until: regen }]
 *     steps:
 *       - { id: boot, op: boot }
 *       - { id: regen, op: regenerate, unit: CallManager }
 *     allowBroken: 0
 *
 * The schema is zod (one source for validation, TypeScript types and the published JSON Schema,
 * `uclab plan --schema`); a bad field is reported with its path (`steps[2].unit: ...`).
 */

import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { firmwareProfile } from '../../devices/phone/firmware-profiles.ts';
import { firmwareModelProblem, firmwareProblem, phoneModelProblem } from '../../devices/phone/models.ts';
import { durationProblem } from '../duration-schema.ts';
import { MAX_DEVICES } from '../net/hosts.ts';
import {
  jsonLocator,
  type Locate,
  type PlanError,
  type PlanProblem,
  pathOf,
  planError,
  schemaProblems,
  yamlLocator,
} from './plan-problems.ts';

export const PLAN_SCHEMA_VERSION = 1 as const;

const mac = z.string().regex(/^[0-9A-Fa-f]{12}$/, 'a MAC is 12 hex digits, e.g. B00000000001');
/**
 * The devices one lab holds (its block is at most 16 /24s: emulator/net/hosts.ts). A cell holds the
 * cluster's nodes and its phones within it.
 */
export const LAB_HOSTS = MAX_DEVICES;

/**
 * A plan's waits and timers: the pattern is what the published JSON Schema says; the bound is the one
 * every declaration shares (emulator/duration-schema.ts), so `wait: 99999999999d` is refused with its
 * path rather than overflowing a timer.
 */
const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a duration is a number and a unit: 500ms, 30s, 5m, 2h, 1d')
  .superRefine((text, ctx) => {
    const problem = /^\d+(ms|s|m|h|d)$/.test(text) ? durationProblem(text, 'interval') : null;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** One kind of phone in the fleet: a model on a firmware, by count or by weight of `fleet.size`. */
const phoneGroup = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'a group name is lower case: letters, digits, "-"')
      .optional(),
    model: z.string().min(1),
    firmware: z.string().min(1),
    protocol: z.enum(['SCCP', 'SIP']),
    security: z.enum(['non-secure', 'authenticated', 'encrypted']).default('non-secure'),
    /** The phone's identity on TLS: its MIC, or an LSC issued by CAPF before the plan starts. */
    certificate: z.enum(['mic', 'lsc']).default('mic'),
    tftpEncryptedConfig: z.boolean().default(false),
    count: z.number().int().positive().optional(),
    weight: z.number().positive().optional(),
  })
  .strict()
  .refine((g) => (g.count === undefined) !== (g.weight === undefined), {
    message: 'give a group a count or a weight: one of them, not both',
  })
  .superRefine((g, ctx) => {
    for (const p of groupPhoneProblems(g))
      ctx.addIssue({ code: 'custom', path: [p.field], message: p.message });
  });

/**
 * A group's phones must be ones the lab models: a known model, a known firmware that runs on it
 * (devices/phone/models.ts), over the protocol that firmware speaks.
 */
function groupPhoneProblems(g: {
  model: string;
  firmware: string;
  protocol: 'SCCP' | 'SIP';
}): { field: 'model' | 'firmware' | 'protocol'; message: string }[] {
  const problems: { field: 'model' | 'firmware' | 'protocol'; message: string }[] = [];
  const model = phoneModelProblem(g.model);
  if (model) problems.push({ field: 'model', message: model });
  const firmware = firmwareProblem(g.firmware) ?? firmwareModelProblem(g.firmware, g.model);
  if (firmware) problems.push({ field: 'firmware', message: firmware });
  const profile = firmwareProfile(g.firmware);
  if (profile && profile.protocol !== g.protocol)
    problems.push({
      field: 'protocol',
      message: `${profile.id} registers over ${profile.protocol}, not ${g.protocol}`,
    });
  return problems;
}

/** Phones switched off from the start of step `from` until step `until` has run (inclusive). */
const offlineWindow = z
  .object({
    fraction: z.number().gt(0).lte(1).optional(),
    count: z.number().int().positive().optional(),
    /** Only phones of these groups (by name, or by model when groups have no names). */
    groups: z.array(z.string()).optional(),
    from: z.string(),
    until: z.string(),
  })
  .strict()
  .refine((w) => (w.fraction === undefined) !== (w.count === undefined), {
    message: 'an offline window takes either a fraction or a count of phones',
  });

const unit = z.enum([
  'CallManager',
  'CallManager-ECDSA',
  'TVS',
  'CAPF',
  'tomcat',
  'tomcat-ECDSA',
  'ITLRecovery',
]);

/**
 * How phones are reset: `cucm` is Device > Reset (only registered phones receive it, as on a real
 * cluster); `power` is a power cycle at every online phone (a site visit, or bouncing the PoE ports).
 */
const resetVia = z.enum(['cucm', 'power']).default('cucm');

/** The operations of a rollover, each as an administrator does it on the publisher (or `node`). */
const operation = z.discriminatedUnion('op', [
  z.object({ op: z.literal('boot') }).strict(),
  z.object({ op: z.literal('regenerate'), unit, node: z.string().optional() }).strict(),
  /** CSR on the node, signed by the enterprise CA (the lab's stand-in for AD CS), root and leaf uploaded. */
  z
    .object({
      op: z.literal('ca-sign'),
      unit,
      node: z.string().optional(),
      /** Extra SANs the CA puts in (DNS names or IP addresses); none: the CSR's own. */
      sans: z.array(z.string()).default([]),
      ca: z.enum(['enterprise-ca']).default('enterprise-ca'),
      /** The signature hash the CA signs with (SHA1 for firmware that verifies SHA-1 only, seed 002). */
      hash: z.enum(['SHA1', 'SHA256', 'SHA384']).default('SHA256'),
    })
    .strict(),
  z
    .object({ op: z.literal('itl-reset'), key: z.enum(['localkey', 'remotekey']).default('localkey') })
    .strict(),
  z.object({ op: z.literal('ctl-update') }).strict(),
  /** Device > Phone > CAPF Information: Install/Upgrade for the LSC phones (of `groups`), then a reset. */
  z
    .object({
      op: z.literal('reissue-lsc'),
      groups: z.array(z.string()).optional(),
      authMode: z.enum(['null-string', 'existing-lsc', 'existing-mic']).default('null-string'),
      via: resetVia,
    })
    .strict(),
  z.object({ op: z.literal('reset-phones'), via: resetVia }).strict(),
  z.object({ op: z.literal('wait'), duration }).strict(),
  /** Any admin CLI command, as typed on the publisher (`set cert delete CallManager-trust x.pem`). */
  z.object({ op: z.literal('cli'), command: z.string().min(1), node: z.string().optional() }).strict(),
]);

/**
 * A step: its id and title, and an operation. Both sides are strict: zod reports a key of an
 * intersection as unknown only when neither side knows it, so a misspelt `tittle` is refused, not
 * dropped.
 */
const step = z.intersection(
  z
    .object({
      id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a step id is lower case: letters, digits, "-"'),
      title: z.string().optional(),
    })
    .strict(),
  operation,
);

export const planSchema = z
  .object({
    schemaVersion: z.literal(PLAN_SCHEMA_VERSION),
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'a plan id is lower case: letters, digits, "." and "-"'),
    title: z.string().min(1).optional(),
    seed: z.string().optional(),
    cluster: z
      .object({
        release: z.enum(['11.5', '12.5', '14', '15']).default('14'),
        subscribers: z.number().int().min(0).max(8).default(0),
        mode: z.enum(['non-secure', 'mixed']).default('non-secure'),
        /** The 5-minute CallManager/TVS guard, shortened for a lab (`5m` on a real cluster). */
        regenGuard: duration.default('5m'),
        /**
         * How the cluster's own certificates were made before the plan (e.g. an older cluster whose
         * CallManager certificate is SHA-1 signed, which 7940/7960 firmware needs, seed 002).
         */
        certificates: z
          .partialRecord(
            unit,
            z
              .object({
                hash: z.enum(['SHA1', 'SHA256', 'SHA384', 'SHA512']).optional(),
                key: z.enum(['rsa1024', 'rsa2048', 'rsa4096', 'ec256', 'ec384']).optional(),
              })
              .strict(),
          )
          .default({}),
      })
      .strict()
      .default({ release: '14', subscribers: 0, mode: 'non-secure', regenGuard: '5m', certificates: {} }),
    fleet: z
      .object({
        size: z.number().int().positive().max(100_000).optional(),
        groups: z.array(phoneGroup).min(1, 'a fleet needs at least one group of phones'),
        macBase: mac.default('B00000000001'),
        lineBase: z.number().int().min(1000).default(20000),
        offline: z.array(offlineWindow).default([]),
      })
      .strict(),
    steps: z.array(step).min(1, 'a plan needs at least one step'),
    /** How many phones may end broken before the plan fails (exit 1). */
    allowBroken: z.number().int().min(0).default(0),
    /**
     * How the emulator runs the fleet (not what it models): phones per cell (one lab of its own, an
     * identical cluster each), boots in flight per cell, and how long a step's fleet may show no
     * progress before the step gives up waiting (a bounded wait; the phones still pending are named).
     */
    run: z
      .object({
        cellSize: z.number().int().min(1).max(LAB_HOSTS).default(200),
        bootsInFlight: z.number().int().min(1).max(1000).default(16),
        settleTimeout: duration.default('60s'),
        /**
         * What the cells' devices talk over: `loopback` (real sockets), `memory` (real TLS over
         * in-process streams: no descriptor per connection), or `auto` (loopback when the process's
         * descriptor limit holds the fleet, memory otherwise).
         */
        transport: z.enum(['auto', 'loopback', 'memory']).default('auto'),
      })
      .strict()
      .default({ cellSize: 200, bootsInFlight: 16, settleTimeout: '60s', transport: 'auto' }),
  })
  .strict();

export type PlanFile = z.infer<typeof planSchema>;
/** A plan as written (defaults not filled in yet): what a TypeScript plan exports. */
export type PlanInput = z.input<typeof planSchema>;
export type PlanStep = PlanFile['steps'][number];
export type PhoneGroupDecl = PlanFile['fleet']['groups'][number];

export type { PlanError, PlanProblem } from './plan-problems.ts';

/**
 * Checks what the schema cannot: step ids unique, offline windows naming steps and groups that exist,
 * a cell that fits in one lab. Every problem, not only the first.
 */
function crossCheck(plan: PlanFile): PathProblem[] {
  const problems: PathProblem[] = [];
  const bad = (path: PropertyKey[], message: string) => problems.push({ path, message });
  const ids = new Map<string, number>();
  for (const [i, s] of plan.steps.entries()) {
    if (ids.has(s.id)) bad(['steps', i, 'id'], `step id "${s.id}" is used twice`);
    else ids.set(s.id, i);
  }
  problems.push(...fleetProblems(plan.fleet.groups));
  const groupNames = new Set(plan.fleet.groups.map((g) => g.name ?? g.model));
  for (const [i, w] of plan.fleet.offline.entries()) {
    let named = true;
    for (const field of ['from', 'until'] as const) {
      if (!ids.has(w[field])) {
        bad(['fleet', 'offline', i, field], `no step "${w[field]}" (steps: ${[...ids.keys()].join(', ')})`);
        named = false;
      }
    }
    if (named && (ids.get(w.from) ?? 0) > (ids.get(w.until) ?? 0))
      bad(['fleet', 'offline', i], `"${w.from}" comes after "${w.until}"`);
    for (const [j, g] of (w.groups ?? []).entries())
      if (!groupNames.has(g))
        bad(
          ['fleet', 'offline', i, 'groups', j],
          `no phone group "${g}" (groups: ${[...groupNames].join(', ')})`,
        );
  }
  const nodes = 1 + plan.cluster.subscribers;
  if (plan.run.cellSize + nodes > LAB_HOSTS)
    bad(
      ['run', 'cellSize'],
      `a cell's lab holds ${LAB_HOSTS} devices: ${nodes} CUCM node(s) leave room for ${LAB_HOSTS - nodes} phones, not ${plan.run.cellSize}`,
    );
  for (const [i, s] of plan.steps.entries()) {
    if (s.op !== 'reissue-lsc') continue;
    for (const [j, g] of (s.groups ?? []).entries())
      if (!groupNames.has(g))
        bad(['steps', i, 'groups', j], `no phone group "${g}" (groups: ${[...groupNames].join(', ')})`);
  }
  const weighted = plan.fleet.groups.some((g) => g.weight !== undefined);
  if (weighted && plan.fleet.size === undefined)
    bad(['fleet', 'size'], 'groups with weights need a fleet size');
  return problems;
}

/** Each group told apart by its name (or its model, when it has none), as reports and windows name groups. */
function fleetProblems(groups: readonly PhoneGroupDecl[]): PathProblem[] {
  const problems: PathProblem[] = [];
  const seen = new Set<string>();
  for (const [i, g] of groups.entries()) {
    const name = g.name ?? g.model;
    if (seen.has(name))
      problems.push(
        g.name
          ? { path: ['fleet', 'groups', i, 'name'], message: `group name "${name}" is used twice` }
          : {
              path: ['fleet', 'groups', i],
              message: `a second group of ${g.model}: give each a name to tell them apart`,
            },
      );
    seen.add(name);
  }
  return problems;
}

/** A problem the cross-checks found, by the path of its field. */
interface PathProblem {
  path: PropertyKey[];
  message: string;
}

/** The cross-checks' problems with their paths written out and, where the plan has a text, placed in it. */
function located(problems: PathProblem[], locate: Locate | undefined): PlanProblem[] {
  return problems.map(({ path, message }) => {
    const at = locate?.(path);
    return { where: pathOf(path), message, ...(at ? { at } : {}) };
  });
}

/**
 * Validates parsed plan data (from YAML, JSON or a TypeScript object); `locate` places each problem
 * in the plan's text, where it has one.
 */
export function parsePlan(
  data: unknown,
  locate?: Locate,
): { ok: true; plan: PlanFile } | { ok: false; error: PlanError } {
  const r = planSchema.safeParse(data);
  if (!r.success)
    return {
      ok: false,
      error: planError('plan.invalid', schemaProblems(r.error.issues, planSchema, data, locate)),
    };
  const problems = crossCheck(r.data);
  if (problems.length > 0) return { ok: false, error: planError('plan.invalid', located(problems, locate)) };
  return { ok: true, plan: r.data };
}

/** Reads a `.yaml`/`.yml`/`.json` plan file; syntax errors name the line and column. */
export function readPlanFile(file: string): { ok: true; plan: PlanFile } | { ok: false; error: PlanError } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return {
      ok: false,
      error: planError('plan.unreadable', [
        { where: file, message: `cannot read ${file}: ${(e as Error).message}` },
      ]),
    };
  }
  return parsePlanText(text, file, extname(file).toLowerCase() === '.json' ? 'json' : 'yaml');
}

/**
 * Parses a plan's text (JSON or YAML); `where` names it in errors: a syntax error with its line and
 * column, each invalid field with its path and its line and column.
 */
export function parsePlanText(
  text: string,
  where: string,
  format: 'json' | 'yaml',
): { ok: true; plan: PlanFile } | { ok: false; error: PlanError } {
  const file = where;
  const syntax = (at: string, message: string) => ({
    ok: false as const,
    error: planError('plan.syntax', [{ where: at, message }]),
  });
  if (format === 'json') {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      return syntax(file, (e as Error).message);
    }
    const r = parsePlan(data);
    // Located only when something is wrong: reading the text again costs nothing on a good plan.
    return r.ok ? r : parsePlan(data, jsonLocator(text, file));
  }
  const lines = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  let data: unknown;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    // toJS resolves anchors and walks the nesting: a hostile file can nest past the call stack.
    data = doc.errors.length === 0 ? doc.toJS() : null;
  } catch (e) {
    return syntax(file, unreadableYaml(e));
  }
  const first = doc.errors[0];
  if (first) {
    const at = lines.linePos(first.pos[0]);
    return syntax(
      `${file}:${at.line}:${at.col}`,
      // The library reports a nesting past the call stack as an error of its own, in Node's words.
      /call stack/i.test(first.message)
        ? unreadableYaml(new RangeError(first.message))
        : (first.message.split('\n')[0] ?? 'YAML syntax error'),
    );
  }
  return parsePlan(data, yamlLocator(doc, lines, file));
}

/** Why the YAML library gave up on a text (nesting past the stack, too many alias expansions). */
function unreadableYaml(e: unknown): string {
  if (e instanceof RangeError) return 'the YAML nests too deeply to read (a plan is a few levels deep)';
  return `the YAML cannot be read: ${(e as Error).message ?? String(e)}`;
}

/** Typing help for a plan written in TypeScript (`export default definePlan({...})`). */
export function definePlan(plan: PlanInput): PlanInput {
  return plan;
}

/**
 * Reads a plan in any form `uclab plan` takes: YAML or JSON (readPlanFile), or a TypeScript/JavaScript
 * module whose default export (or `plan` export) is the plan object.
 */
export async function loadPlan(
  file: string,
): Promise<{ ok: true; plan: PlanFile } | { ok: false; error: PlanError }> {
  if (!/\.(ts|mts|js|mjs)$/i.test(file)) return readPlanFile(file);
  let mod: { default?: unknown; plan?: unknown };
  try {
    mod = (await import(pathToFileURL(resolve(file)).href)) as typeof mod;
  } catch (e) {
    return {
      ok: false,
      error: planError('plan.unreadable', [
        { where: file, message: `cannot load ${file}: ${(e as Error).message}` },
      ]),
    };
  }
  const data = mod.default ?? mod.plan;
  if (data === undefined) {
    return {
      ok: false,
      error: planError('plan.invalid', [
        { where: file, message: `${file} exports no plan (export default definePlan({...}))` },
      ]),
    };
  }
  return parsePlan(data);
}

/** The published JSON Schema of plan files (for editors and CI linters). */
export function planJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'uclab rollover plan',
    ...(z.toJSONSchema(planSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>),
  };
}
