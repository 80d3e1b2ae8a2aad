/**
 * Checks of a lab declaration that the device schemas alone do not make, run before a lab is created
 * so that a mistake is a broken scenario (exit 2) with the field's path, found at once rather than as a
 * timeout later, every mistake of the declaration listed together (lab.ts `declarationProblems`):
 *
 * - Unknown keys. The schemas strip keys they do not know; a misspelt optional field (`tftpp`,
 *   `autoboot`) would silently fall back to its default. Any key of the declaration that did not
 *   survive validation is reported, with the nearest known field.
 * - Host names. A device kind lists the host names its declaration refers to (`DeviceKind.hosts`);
 *   each must be a device or an alias of this lab, or an IP address. Without this, a phone pointed at a
 *   misspelt TFTP server only fails when its first expectation times out.
 */
import { isIP } from 'node:net';
import { deviceKind } from './device-registry.ts';
import { closest } from './did-you-mean.ts';
import { type DeclarationError, declarationProblems, validateLab } from './lab.ts';
import { ok, type Result } from './result.ts';
import { childSchema, fieldsOf, isPlain, unwrap, type ZodLike } from './schema-fields.ts';

function pathOf(base: string, key: string | number): string {
  return typeof key === 'number' ? `${base}[${key}]` : `${base}.${key}`;
}

/** The first key of `raw` that validation dropped from `parsed`, with a hint. */
function firstUnknownKey(
  raw: unknown,
  parsed: unknown,
  schema: ZodLike | null,
  path: string,
  what: string,
): DeclarationError | null {
  if (Array.isArray(raw) && Array.isArray(parsed) && raw.length === parsed.length) {
    for (const [i, r] of raw.entries()) {
      const found = firstUnknownKey(r, parsed[i], childSchema(schema, i), pathOf(path, i), what);
      if (found) return found;
    }
    return null;
  }
  if (!isPlain(raw) || !isPlain(parsed)) return null;
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (!(key in parsed)) {
      const known = [...new Set([...fieldsOf(schema), ...Object.keys(parsed)])];
      const near = closest(key, known);
      const p = pathOf(path, key);
      return {
        code: 'lab.unknown-field',
        path: p,
        message: `${p}: not a field of ${what}${near ? ` (did you mean "${near}"?)` : ''}`,
      };
    }
    const found = firstUnknownKey(value, parsed[key], childSchema(schema, key), pathOf(path, key), what);
    if (found) return found;
  }
  return null;
}

/** `host[:port]` or `[v6]:port` → the host part. */
function hostPart(ref: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(ref);
  if (v6?.[1]) return v6[1];
  if (isIP(ref)) return ref;
  return ref.replace(/:\d+$/, '');
}

/** Validates the declaration (as the lab will), then checks its keys and host references. */
export function checkLabDeclaration(decl: unknown): Result<void, DeclarationError> {
  const parsed = validateLab(decl);
  if (!parsed.ok) return parsed;
  const raw = (decl as { devices: unknown[] }).devices;
  const names = new Map<string, string>();
  const problems: DeclarationError[] = [];
  for (const [i, d] of parsed.value.entries()) {
    const kind = deviceKind(d.kind);
    const schema = unwrap(kind?.schema);
    const unknown = firstUnknownKey(raw[i], d, schema, `lab.devices[${i}]`, `a ${d.kind} declaration`);
    if (unknown) problems.push(unknown);
    names.set(d.name.toLowerCase(), d.name);
    const aliases = (d as { aliases?: unknown }).aliases;
    if (Array.isArray(aliases)) {
      for (const a of aliases) if (typeof a === 'string') names.set(a.toLowerCase(), a);
    }
  }
  for (const [i, d] of parsed.value.entries()) {
    for (const ref of deviceKind(d.kind)?.hosts?.(d) ?? []) {
      const host = hostPart(ref.host);
      if (isIP(host) || names.has(host.toLowerCase())) continue;
      const path = `lab.devices[${i}].${ref.path}`;
      const near = closest(host, [...names.values()]);
      problems.push({
        code: 'lab.unknown-host',
        path,
        message: `${path}: "${host}" is not a device or alias of this lab${near ? ` (did you mean "${near}"?)` : ''}; devices: ${[...new Set(names.values())].join(', ')}`,
      });
    }
  }
  return problems.length > 0 ? declarationProblems(problems) : ok(undefined);
}
