/**
 * The one schema for a duration a declaration names (`'-1d'`, `'+20y'`, `'5m'`, `'90s'`, the syntax of
 * emulator/clock.ts), used by every device schema, so that a duration is checked where the lab is
 * loaded, with the path of its field, and never first at device start (where `'+99999999999d'` once
 * made a date that `toISOString()` refused, and crashed the run with exit 1 instead of a broken
 * scenario's exit 2).
 *
 * Two kinds: an offset from lab start (a certificate's notBefore/notAfter, a deadline), either sign;
 * an interval (a timer), never negative. Both are bounded by MAX_DURATION: 1000 years keeps every
 * instant between the years 1026 and 3026 for a lab started today, inside what a JavaScript Date holds
 * (±273,790 years) and what an X.509 GeneralizedTime can say (years 0000-9999, RFC 5280 §4.1.2.5.2).
 * No symptom of the catalogue needs more than 20 years.
 */
import { z } from 'zod';
import { isDuration, parseDuration } from './clock.ts';

/** The longest duration a declaration may name, either way: 1000 years (y = 365 days). */
export const MAX_DURATION = '1000y';
const MAX_MS = parseDuration(MAX_DURATION);

export type DurationKind = 'offset' | 'interval';

/** Why `text` is not a duration of that kind, or null when it is one. */
export function durationProblem(text: string, kind: DurationKind): string | null {
  if (!isDuration(text)) {
    return `"${text}" is not a duration like ${kind === 'offset' ? '-1d, +6d or +20y' : '500ms, 30s, 5m or 24h'}`;
  }
  const ms = parseDuration(text);
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_MS) {
    return `"${text}" is out of range: a duration is at most ${MAX_DURATION} (${MAX_MS / 86_400_000}d) ${kind === 'offset' ? 'either way' : ''}`.trimEnd();
  }
  if (kind === 'interval' && ms < 0) return `"${text}" is negative: a timer is a duration of 0 or more`;
  return null;
}

/** A zod string that must be a duration of `kind` (issues carry the field's path through zod). */
export function durationSchema(kind: DurationKind): z.ZodString {
  return z.string().superRefine((text, ctx) => {
    const problem = durationProblem(text, kind);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}
