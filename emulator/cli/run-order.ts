/**
 * Which variant to start first. A run's wall time is at least its slowest variant's, and a slow one
 * started last (the catalogue is in id order) ends the run alone on one core: `tftp-lossy-link` waits
 * out TFTP timeouts for about 7 s whatever the machine. So variants start longest first, by the times
 * the last runs on this machine took (a small file in the temporary folder); variants with no time yet
 * start first, in catalogue order. Only the start order changes: output, reports and verdicts keep
 * catalogue order (OrderedOutput), and a missing or unreadable file only means catalogue order.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';

const MAX_ENTRIES = 5000;

/** Where the last runs' variant times are kept: per user, as nothing in it is shared. */
export function durationsFile(): string {
  let who = 'user';
  try {
    who = String(userInfo().uid);
  } catch {
    // No user entry (a container's arbitrary uid): one file for everyone is still correct.
  }
  return join(tmpdir(), `uclab-${who}`, 'variant-durations.json');
}

const keyOf = (v: { scenario: string; variant: string }) => `${v.scenario}/${v.variant}`;

export function loadDurations(file: string): Map<string, number> {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!data || typeof data !== 'object') return new Map();
    return new Map(
      Object.entries(data as Record<string, unknown>).filter(
        (e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]),
      ),
    );
  } catch {
    return new Map();
  }
}

/** Records each variant's time (merged into what is there); a file that cannot be written is no error. */
export function saveDurations(
  file: string,
  results: readonly { scenario: string; variant: string; durationMs: number }[],
): void {
  const known = loadDurations(file);
  for (const r of results) {
    known.delete(keyOf(r));
    known.set(keyOf(r), r.durationMs);
  }
  const kept = [...known].slice(-MAX_ENTRIES);
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(kept)));
    renameSync(tmp, file);
  } catch {
    // A read-only or full temporary folder: the next run starts in catalogue order.
  }
}

/** Indices of `jobs` in start order: those with no time first (as listed), then the longest first. */
export function longestFirst(
  jobs: readonly { scenario: string; variant: string }[],
  known: ReadonlyMap<string, number>,
): number[] {
  const time = (i: number) => known.get(keyOf(jobs[i]!));
  return jobs
    .map((_, i) => i)
    .sort((a, b) => {
      const ta = time(a);
      const tb = time(b);
      if (ta === undefined || tb === undefined)
        return (ta === undefined ? 0 : 1) - (tb === undefined ? 0 : 1) || a - b;
      return tb - ta || a - b;
    });
}
