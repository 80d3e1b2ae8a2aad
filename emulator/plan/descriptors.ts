/**
 * File descriptors a fleet run needs, checked before it starts (measured: phones failing with
 * "CTL not found" near 500 phones, when sockets ran out mid-run). Node has no setrlimit binding, but it
 * raises the soft RLIMIT_NOFILE to the hard limit itself at startup (measured: under `ulimit -S -n
 * 200`, /proc/self/limits inside node shows the hard limit, 20000 here), so the limit that counts is
 * the hard one, which only root can raise. The run reads it (/proc/self/limits) and, when it is too
 * low, refuses with the numbers and what to do, instead of failing phones.
 *
 * What a cell holds open (real loopback sockets, both ends in this process):
 * - each registered phone: its registration connection, twice (the phone's end and CUCM's end);
 * - each boot in flight: a TFTP client socket, the server's transfer socket, and a TVS or CAPF
 *   connection (two ends);
 * - each CUCM node: its listeners (TFTP, 6970, 2000, 2443, 5060, 5061, 2445, 3804, 8443, 6972) and
 *   the lab's block claim, with room for admin connections.
 * Cells run `concurrent` at a time (workers x cells per worker), so the largest cells alive at once
 * count, plus what the process itself holds (stdio, event loop, worker ports).
 */
import { readFileSync } from 'node:fs';

/**
 * On the in-memory transport (emulator/net/memory.ts) no connection or datagram socket holds a
 * descriptor: a cell holds only its block claim (a listener) and, for a moment, the probe of port 69.
 */
export const PER_MEMORY_CELL = 2;

export const PER_PHONE = 2;
export const PER_BOOT_IN_FLIGHT = 4;
export const PER_NODE = 24;
export const PER_PROCESS = 64;
export const PER_WORKER = 16;

export interface DescriptorBudget {
  phones: number;
  cells: number;
  concurrent: number;
  needed: number;
}

export function descriptorBudget(opts: {
  cellSizes: readonly number[];
  concurrentCells: number;
  workers: number;
  bootsInFlight: number;
  nodes: number;
  /** `memory`: the cells' connections hold no descriptors (default `loopback`). */
  transport?: 'loopback' | 'memory';
}): DescriptorBudget {
  const concurrent = Math.max(1, Math.min(opts.concurrentCells, opts.cellSizes.length));
  const largest = [...opts.cellSizes].sort((a, b) => b - a).slice(0, concurrent);
  const cells =
    opts.transport === 'memory'
      ? largest.length * PER_MEMORY_CELL
      : largest.reduce(
          (n, size) =>
            n +
            size * PER_PHONE +
            Math.min(size, opts.bootsInFlight) * PER_BOOT_IN_FLIGHT +
            opts.nodes * PER_NODE,
          0,
        );
  return {
    phones: opts.cellSizes.reduce((n, s) => n + s, 0),
    cells: opts.cellSizes.length,
    concurrent,
    needed: cells + PER_PROCESS + opts.workers * PER_WORKER,
  };
}

export interface FdLimit {
  soft: number;
  hard: number | null;
}

/** RLIMIT_NOFILE of this process ("Max open files" in /proc/self/limits), or null where unknown. */
export function readFdLimit(limitsText?: string): FdLimit | null {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return null;
    }
  }
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text);
  if (!m) return null;
  const n = (s: string | undefined) => (s === undefined || s === 'unlimited' ? null : Number(s));
  const soft = n(m[1]);
  return soft === null ? null : { soft, hard: n(m[2]) };
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** Null when the budget fits; otherwise the refusal a person reads, with what to do about it. */
export function descriptorRefusal(b: DescriptorBudget, limit: FdLimit | null): string | null {
  if (!limit || b.needed <= limit.soft) return null;
  const running = b.cells > 1 ? ` (${fmt(b.cells)} cells, ${fmt(b.concurrent)} at a time)` : '';
  const fewer = 'run fewer cells at once (--workers, --cells-per-worker) or smaller ones (--cell-size)';
  const raise =
    limit.hard === null || limit.hard >= b.needed
      ? `raise it first: ulimit -n ${b.needed}`
      : limit.hard === limit.soft
        ? `it is the hard limit (Node already raised the soft one to it): ${fewer}, or raise the hard limit (as root: ulimit -Hn, /etc/security/limits.conf)`
        : `the hard limit is ${fmt(limit.hard)}: ${fewer}, or raise the hard limit (as root)`;
  return `${fmt(b.phones)} phones${running} need ${fmt(b.needed)} descriptors; the limit is ${fmt(limit.soft)}: ${raise}`;
}
