/**
 * `--pcap` for the commands that start labs (`uclab run`, `uclab up`): each lab gets its own capture,
 * started before its devices are built (so before any of them listens) and stopped once the lab has
 * stopped (its `lab.stopped` event: every socket closed). A missing tool or a missing permission is said
 * once, on stderr, and the labs run on without a capture: a capture is an aid, never a reason to fail.
 */
import type { Lab } from '../lab.ts';
import { type CaptureError, startLabCapture } from './pcap.ts';

/** The capture's file name in a lab's artifacts folder, beside `keys.log`. */
export const PCAP_FILE = 'lab.pcapng';

export class LabCaptures {
  readonly #say: (line: string) => void;
  readonly #searchPath: string | undefined;
  readonly #stops: Promise<void>[] = [];
  /** Set after a failure that every later lab would meet too (no tool, no permission). */
  #disabled = false;

  constructor(o: { say: (line: string) => void; searchPath?: string }) {
    this.#say = o.say;
    this.#searchPath = o.searchPath;
  }

  /** Starts capturing the lab's block into its artifacts folder; call before the lab's devices are built. */
  async attach(lab: Lab): Promise<void> {
    const path = lab.artifacts.pathOf(PCAP_FILE);
    if (this.#disabled || !path) return;
    let started: Awaited<ReturnType<typeof startLabCapture>>;
    try {
      started = await startLabCapture({
        prefix: lab.block.prefix,
        cidr: lab.block.cidr,
        path,
        searchPath: this.#searchPath,
      });
    } catch (e) {
      // The lab must start (and be stopped) whatever happens to its capture.
      this.#notice({
        code: 'capture.failed',
        message: `cannot capture into ${path}: ${(e as Error).message}`,
      });
      return;
    }
    if (!started.ok) {
      this.#notice(started.error);
      return;
    }
    const capture = started.value;
    let stopped = false;
    const unsubscribe = lab.timeline.subscribe(undefined, (e) => {
      if (e.kind !== 'lab.stopped' || stopped) return;
      stopped = true;
      unsubscribe();
      this.#stops.push(
        capture.stop().then((r) => {
          if (!r.ok) this.#say(`uclab: --pcap: ${r.error.message}`);
        }),
      );
    });
  }

  /** Resolves once every capture of a stopped lab has been flushed and its tool has exited. */
  async settled(): Promise<void> {
    while (this.#stops.length > 0) await Promise.all(this.#stops.splice(0));
  }

  #notice(e: CaptureError): void {
    if (e.code !== 'capture.failed') {
      // Labs started side by side (uclab run --jobs) meet the same missing tool at once: say it once.
      if (this.#disabled) return;
      this.#disabled = true;
      this.#say(`uclab: --pcap: ${e.message}; the labs run without a capture`);
    } else this.#say(`uclab: --pcap: ${e.message}; this lab runs without a capture`);
  }
}
