/**
 * The fields a zod schema declares at a place in the data, for "did you mean" hints on an unknown
 * key: a lab declaration's (declaration-checks.ts), a plan file's (plan/plan-problems.ts). It reads
 * zod's own definitions (`_zod.def`) through the wrappers that do not change the shape (optional,
 * default, nullable, pipe).
 */

import { closest } from './did-you-mean.ts';

export interface ZodLike {
  _zod?: { def?: Record<string, unknown> & { type?: string } };
}

export function isPlain(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The schema itself, through optional/default/nullable/pipe wrappers. */
export function unwrap(schema: unknown): ZodLike | null {
  let s = schema as ZodLike | undefined;
  for (let i = 0; i < 10 && s?._zod?.def; i++) {
    const def = s._zod.def;
    const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (!inner) return s;
    s = inner as ZodLike;
  }
  return s ?? null;
}

/**
 * The schemas a union or an intersection is made of (none for any other). Of a discriminated union,
 * given the data, only the option its discriminator names (`op: boot`: the boot step's fields).
 */
function parts(def: Record<string, unknown>, data?: unknown): unknown[] {
  if (def.type === 'intersection') return [def.left, def.right];
  if (def.type !== 'union' || !Array.isArray(def.options)) return [];
  const disc = def.discriminator;
  if (typeof disc !== 'string' || !isPlain(data) || !(disc in data)) return def.options;
  const named = def.options.filter((o) => {
    const literal = childSchema(unwrap(o), disc)?._zod?.def;
    return (
      literal?.type === 'literal' && Array.isArray(literal.values) && literal.values.includes(data[disc])
    );
  });
  return named.length > 0 ? named : def.options;
}

/** The field names an object schema declares; of a union or an intersection, every part's (see `parts`). */
export function fieldsOf(schema: ZodLike | null, data?: unknown): string[] {
  const def = schema?._zod?.def;
  const of = def ? parts(def, data) : [];
  if (of.length > 0) return [...new Set(of.flatMap((o) => fieldsOf(unwrap(o), data)))];
  return def?.type === 'object' && isPlain(def.shape) ? Object.keys(def.shape) : [];
}

/** The schema one level down: an object's field, an array's element, a record's value. */
export function childSchema(schema: ZodLike | null, key: PropertyKey, data?: unknown): ZodLike | null {
  const def = schema?._zod?.def;
  if (!def) return null;
  if (typeof key === 'number') return def.type === 'array' ? unwrap(def.element) : null;
  // A record (`certificates: { CallManager: {...} }`): every value has the record's value schema.
  if (def.type === 'record') return unwrap(def.valueType);
  const of = parts(def, data);
  if (of.length > 0) {
    const part = of.map(unwrap).find((o) => fieldsOf(o, data).includes(String(key)));
    return part ? childSchema(part, key, data) : null;
  }
  return def.type === 'object' && isPlain(def.shape) ? unwrap(def.shape[String(key)]) : null;
}

/**
 * The schema at a path (`['steps', 2]`), or null where the schema says nothing; `data`, the value the
 * schema was given, picks each discriminated union's option on the way down.
 */
export function schemaAt(schema: unknown, path: readonly PropertyKey[], data?: unknown): ZodLike | null {
  let s = unwrap(schema);
  let d = data;
  for (const key of path) {
    s = childSchema(s, key, d);
    d = dataAt(d, [key]);
  }
  return s;
}

/** The data at a path (`['steps', 2]`), or undefined. */
export function dataAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let d = data;
  for (const key of path)
    d = Array.isArray(d) || isPlain(d) ? (d as Record<PropertyKey, unknown>)[key] : undefined;
  return d;
}

/**
 * For a value that is not one of a field's options (a plan step's `op`, an enum such as `unit`, a
 * phone's `security`), the option nearest to what `data` holds at the issue's path: `regenerat` is
 * one letter from `regenerate`. Null when the value is no string or is near no option.
 */
export function nearestOption(
  issue: {
    code: string;
    path: readonly PropertyKey[];
    values?: readonly unknown[];
    options?: readonly unknown[];
  },
  data: unknown,
): string | null {
  const value = dataAt(data, issue.path);
  if (typeof value !== 'string') return null;
  const options =
    issue.code === 'invalid_value' ? issue.values : issue.code === 'invalid_union' ? issue.options : [];
  const words = (options ?? []).filter((o): o is string => typeof o === 'string');
  return words.length > 0 ? closest(value, words) : null;
}
