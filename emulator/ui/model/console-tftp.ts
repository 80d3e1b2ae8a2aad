/**
 * TFTP transfers on the ladder, read from the phone console's own lines: the lab records no TFTP event
 * (UDP has no connection, so the fabric's `net.*` events do not cover it), and the console is where the
 * firmware itself reports each transfer, in the two styles devices/phone/console-log.ts writes:
 *
 * - 78xx/88xx (`secureapp`): `TFTP: Requesting <file> from <ip>`, `TFTP: <file> received, <n> bytes`,
 *   `TFTP: <file>: <error>`;
 * - 79xx (`secd-79xx`, seed 002): `TFTP: [27]:Requesting <file> from <ip>`,
 *   `TFTP: [27]:Finished --> rcvd <n> bytes`, `TFTP: [27]:<error>`.
 */
import type { RawEvent } from './fields.ts';
import type { LadderRow } from './view.ts';

const REQUEST = /TFTP: (?:\[(\d+)\]:)?Requesting (\S+) from (\S+)\s*$/;
const DONE_SECD = /TFTP: \[(\d+)\]:Finished --> rcvd (\d+) bytes/;
const DONE = /TFTP: (\S+) received, (\d+) bytes/;
const FAILED_SECD = /TFTP: \[(\d+)\]:(.+)$/;
const FAILED = /TFTP: (\S+): (.+)$/;

interface Pending {
  row: LadderRow;
  file: string;
  number: string | null;
}

export class ConsoleTftp {
  /** Open transfers per phone, by transfer number (79xx) or by file name. */
  readonly #open = new Map<string, Map<string, Pending>>();

  constructor(private readonly deviceAt: (address: string) => string | null) {}

  /** The transfer row a console line opens or settles, or null when the line is not about TFTP. */
  apply(e: RawEvent, text: string): LadderRow | null {
    if (!text.includes('TFTP: ')) return null;
    let open = this.#open.get(e.device);
    if (!open) {
      open = new Map();
      this.#open.set(e.device, open);
    }
    const req = REQUEST.exec(text);
    if (req) {
      const [, number, file, address] = req as unknown as [string, string | undefined, string, string];
      const row: LadderRow = {
        id: `tftp-${e.seq}`,
        seq: e.seq,
        lastSeq: e.seq,
        t: e.t,
        logFrom: e.seq,
        shape: 'exchange',
        from: e.device,
        to: this.deviceAt(address) ?? address,
        protocol: 'TFTP',
        title: `TFTP ${file}`,
        outcome: 'pending',
        reason: null,
        detail: {
          facts: [
            { label: 'file', value: file },
            { label: 'server', value: address },
          ],
          certificates: [],
          decisions: [],
          text: null,
        },
      };
      open.set(number ?? file, { row, file, number: number ?? null });
      return row;
    }
    const done = DONE_SECD.exec(text) ?? DONE.exec(text);
    if (done) {
      const p = open.get(done[1] ?? '');
      if (!p) return null;
      open.delete(done[1] ?? '');
      const bytes = done[2] ?? '?';
      p.row = {
        ...p.row,
        lastSeq: e.seq,
        title: `TFTP ${p.file} · ${bytes} bytes`,
        outcome: 'ok',
        detail: {
          ...p.row.detail,
          facts: [...p.row.detail.facts, { label: 'size', value: `${bytes} bytes` }],
        },
      };
      return p.row;
    }
    const failed = FAILED_SECD.exec(text) ?? FAILED.exec(text);
    if (failed) {
      const p = open.get(failed[1] ?? '');
      if (!p) return null;
      open.delete(failed[1] ?? '');
      const why = failed[2] ?? '';
      p.row = {
        ...p.row,
        lastSeq: e.seq,
        // A file the cluster does not have (no CTL in non-secure mode) is routine, not the fault.
        outcome: /File not found/i.test(why) ? 'warn' : 'failed',
        reason: why,
        detail: {
          ...p.row.detail,
          facts: [...p.row.detail.facts, { label: 'error', value: why, tone: 'bad' }],
        },
      };
      return p.row;
    }
    return null;
  }
}
