/**
 * Progress of a fleet run on stderr: a bar with counts and an ETA (cli-progress) on a terminal, plain
 * lines every few seconds otherwise (CI logs keep lines, not carriage returns). The unit is a
 * phone-step: one phone's part of one step (settled, or untouched by it), so the total is phones x
 * steps and the ETA covers the whole plan.
 */
import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  /** The cell count is known once the fleet is split. */
  start(total: number, cells: number): void;
  add(phoneSteps: number): void;
  cellDone(): void;
  stop(): void;
}

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 120 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

/** A bar on a TTY, plain lines elsewhere; nothing when `quiet`. */
export function progressOn(
  stream: NodeJS.WriteStream,
  opts: { planId: string; quiet?: boolean; everyMs?: number },
): Progress {
  if (opts.quiet) return { start() {}, add() {}, cellDone() {}, stop() {} };
  let total = 0;
  let done = 0;
  let cells = 0;
  let cellsDone = 0;
  if (stream.isTTY) {
    const bar = new SingleBar(
      {
        stream,
        format: `plan ${opts.planId} [{bar}] {percentage}% | {value}/{total} phone-steps | cells {cellsDone}/{cells} | ETA {eta_formatted}`,
        hideCursor: true,
        etaBuffer: 50,
        fps: 5,
      },
      Presets.shades_classic,
    );
    return {
      start(t, c) {
        total = t;
        cells = c;
        bar.start(total, 0, { cellsDone: 0, cells });
      },
      add(n) {
        done += n;
        bar.update(Math.min(done, total), { cellsDone, cells });
      },
      cellDone() {
        cellsDone++;
        bar.update(Math.min(done, total), { cellsDone, cells });
      },
      stop() {
        bar.stop();
      },
    };
  }
  const t0 = Date.now();
  let last = 0;
  const line = (force: boolean) => {
    const now = Date.now();
    if (!force && now - last < (opts.everyMs ?? 5000)) return;
    last = now;
    const pct = total > 0 ? Math.floor((100 * done) / total) : 0;
    const eta = done > 0 && done < total ? `, ETA ${seconds(((now - t0) * (total - done)) / done)}` : '';
    stream.write(
      `plan ${opts.planId}: ${done}/${total} phone-steps (${pct}%), ${cellsDone}/${cells} cells done, ${seconds(now - t0)} elapsed${eta}\n`,
    );
  };
  return {
    start(t, c) {
      total = t;
      cells = c;
      last = Date.now();
    },
    add(n) {
      done += n;
      line(false);
    },
    cellDone() {
      cellsDone++;
      line(true);
    },
    stop() {},
  };
}
