/**
 * Lab time (architecture decision 4). The lab clock is the wall clock; certificate lifetimes and
 * protocol timers are declared relative to lab start ("expired 1 day ago", "expires in 6 days"), so no
 * certificate in the repository can go stale.
 */

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  mo: 30 * 86_400_000,
  y: 365 * 86_400_000,
};

/** A duration such as `90s`, `5m`, `-1d`, `+6d`, `3mo`, `20y` (y = 365 days, mo = 30 days), or milliseconds. */
export type Duration = string | number;

export function parseDuration(d: Duration): number {
  if (typeof d === 'number') {
    if (!Number.isFinite(d)) throw new RangeError(`duration ${d} is not finite`);
    return d;
  }
  const m = /^([+-]?)\s*(\d+(?:\.\d+)?)\s*(ms|mo|s|m|h|d|w|y)$/.exec(d.trim());
  if (!m) throw new RangeError(`"${d}" is not a duration like 30s, 5m, -1d, +6d or 20y`);
  const sign = m[1] === '-' ? -1 : 1;
  return sign * Number(m[2]) * (UNIT_MS[m[3] as string] as number);
}

export function isDuration(d: string): boolean {
  return /^([+-]?)\s*(\d+(?:\.\d+)?)\s*(ms|mo|s|m|h|d|w|y)$/.test(d.trim());
}

export class LabClock {
  constructor(readonly start: number = Date.now()) {}

  now(): Date {
    return new Date();
  }

  /** The instant `offset` away from lab start: `at('-1d')` is one day before the lab started. */
  at(offset: Duration): Date {
    return new Date(this.start + parseDuration(offset));
  }
}
