/**
 * Attaching the page to a lab kept up by `uclab up`: its artifacts folder holds `lab.json` (the lab's
 * name and block) and `events.jsonl` (event-log.ts), which this follows as it grows. A lab that has
 * stopped leaves `timeline.jsonl`, which is read whole.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { err, ok, type Result, type UclabError } from '../result.ts';
import { EVENTS_FILE } from './event-log.ts';

export interface AttachedLab {
  dir: string;
  lab: string;
  block: string | null;
  file: string;
  /** The admin console socket, when the lab offers one (`uclab console`). */
  console: string | null;
}

/** Reads `lab.json` and finds the event file; a folder that is not a lab's is a typed error. */
export function openLabFolder(dir: string): Result<AttachedLab, UclabError> {
  const labJson = join(dir, 'lab.json');
  if (!existsSync(labJson)) {
    return err({
      code: 'ui.attach.no-lab',
      message: `${dir} has no lab.json: attach to the artifacts folder of a lab started with uclab up`,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(labJson, 'utf8'));
  } catch (e) {
    return err({ code: 'ui.attach.bad-lab', message: `${labJson} is not JSON: ${(e as Error).message}` });
  }
  const o = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (typeof o.lab !== 'string') {
    return err({ code: 'ui.attach.bad-lab', message: `${labJson}: "lab" is not a lab name` });
  }
  const live = join(dir, EVENTS_FILE);
  const done = join(dir, 'timeline.jsonl');
  const file = existsSync(live) ? live : existsSync(done) ? done : null;
  if (!file) {
    return err({
      code: 'ui.attach.no-events',
      message: `${dir} has neither ${EVENTS_FILE} nor timeline.jsonl: the lab was started by a uclab that does not stream its events`,
    });
  }
  return ok({
    dir,
    lab: o.lab,
    block: typeof o.block === 'string' ? o.block : null,
    file,
    console: typeof o.console === 'string' ? o.console : null,
  });
}

/**
 * Follows a JSON-lines file: calls `onEvent` for every complete line already there and every line
 * appended later (a partial last line waits for its newline). Lines that are not JSON are skipped.
 */
export function followJsonLines(
  file: string,
  onEvent: (value: unknown) => void,
  opts: { intervalMs?: number } = {},
): () => void {
  let offset = 0;
  let rest = '';
  let stopped = false;
  // A read can end inside a multi-byte character: the decoder keeps its first bytes for the next read.
  let decoder = new StringDecoder('utf8');
  const buf = Buffer.alloc(1 << 16);
  const drain = () => {
    if (stopped) return;
    let fd: number;
    try {
      if (statSync(file).size < offset) {
        // The file was replaced (a new lab in the same folder): start over.
        offset = 0;
        rest = '';
        decoder = new StringDecoder('utf8');
      }
      fd = openSync(file, 'r');
    } catch {
      return;
    }
    try {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n <= 0) break;
        offset += n;
        rest += decoder.write(buf.subarray(0, n));
        let nl = rest.indexOf('\n');
        while (nl >= 0) {
          const line = rest.slice(0, nl);
          rest = rest.slice(nl + 1);
          if (line.trim() !== '') {
            try {
              onEvent(JSON.parse(line));
            } catch {
              // Not JSON (a torn write from another tool): skipped, the next line is read.
            }
          }
          nl = rest.indexOf('\n');
        }
      }
    } finally {
      closeSync(fd);
    }
  };
  drain();
  // Our own poll rather than fs.watch or fs.watchFile: fs.watch misses appends on some filesystems, and
  // fs.watchFile compares against a first stat taken later, so lines appended between this first drain
  // and that stat would wait for the next write. A drain with nothing new costs one stat.
  const timer = setInterval(drain, opts.intervalMs ?? 250);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
