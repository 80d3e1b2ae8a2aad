/**
 * Waiting for a cell's fleet to settle after a step, on events only: every phone the step touched has
 * finished the boots it owes. A phone owes a boot for each reset CUCM sent it (`cucm.reset`, taken by
 * the phone as `action phone.reset-by-cucm`), and for each boot the runner started (power on, power
 * cycle, back online: the boot promise). A boot starts with the phone's `action phone.boot` and ends
 * with its `phone.boot` event; a phone that shows "Registering" (a re-registration in progress) has
 * not settled either.
 *
 * Bounded (architecture decision 10): the wait gives up when no phone made progress for `idleMs`,
 * or after `capMs` in all, and then names the phones still pending and what each was waiting for.
 */
import type { LabEvent, Timeline } from '../events.ts';

interface Pending {
  resetsSent: number;
  resetsTaken: number;
  /** Resets taken whose boot has not started (the phone may be waiting for a boot slot). */
  awaitingStart: number;
  starts: number;
  ends: number;
  registering: boolean;
  runnerBoots: number;
  /** Counted once in progress, the first time it settles after being touched. */
  counted: boolean;
}

export interface SettleResult {
  /** Phones the step touched (reset, booted, re-registering). */
  touched: number;
  resets: number;
  boots: number;
  /** Phones still pending when the wait gave up, with what each was waiting for. */
  unsettled: { phone: string; waitingFor: string }[];
  ms: number;
}

export class Settler {
  readonly #pending = new Map<string, Pending>();
  readonly #runner: Promise<unknown>[] = [];
  readonly #stop: () => void;
  #resetsTotal = 0;
  #lastProgress = Date.now();
  #check: (() => void) | null = null;

  /**
   * `offline`: the phones switched off now (a live set). A reset CUCM sends one of them is not waited
   * for: CUCM may not have seen the phone's connection close yet, but the reset reaches nobody.
   */
  constructor(
    timeline: Timeline,
    readonly phones: ReadonlySet<string>,
    private readonly onSettled: (n: number) => void = () => {},
    private readonly offline: ReadonlySet<string> = new Set(),
  ) {
    this.#stop = timeline.subscribe(
      { kind: ['cucm.reset', 'action', 'phone.boot', 'phone.registration'] },
      (e) => this.#on(e),
    );
  }

  #of(phone: string): Pending {
    let p = this.#pending.get(phone);
    if (!p) {
      p = {
        resetsSent: 0,
        resetsTaken: 0,
        awaitingStart: 0,
        starts: 0,
        ends: 0,
        registering: false,
        runnerBoots: 0,
        counted: false,
      };
      this.#pending.set(phone, p);
    }
    return p;
  }

  #on(e: LabEvent): void {
    if (e.kind === 'cucm.reset') {
      const name = e.deviceName.toUpperCase();
      if (!this.phones.has(name) || this.offline.has(name)) return;
      this.#of(name).resetsSent++;
      this.#resetsTotal++;
    } else if (this.phones.has(e.device)) {
      const p = this.#of(e.device);
      if (e.kind === 'action') {
        if (e.name === 'phone.reset-by-cucm') {
          p.resetsTaken++;
          p.awaitingStart++;
        } else if (e.name === 'phone.boot') {
          p.starts++;
          if (p.awaitingStart > 0) p.awaitingStart--;
        } else return;
      } else if (e.kind === 'phone.boot') p.ends++;
      else if (e.kind === 'phone.registration') p.registering = e.state === 'registering';
      else return;
    } else return;
    this.#lastProgress = Date.now();
    this.#check?.();
  }

  /** A boot the runner started (power on, power cycle, back online): the step waits for it too. */
  track(phone: string, boot: Promise<unknown>): void {
    this.#of(phone).runnerBoots++;
    this.#runner.push(
      boot.then(
        () => {
          this.#lastProgress = Date.now();
          this.#check?.();
        },
        () => {},
      ),
    );
  }

  static #waitingFor(p: Pending): string | null {
    if (p.resetsSent > p.resetsTaken) return 'CUCM sent a reset the phone has not taken';
    if (p.awaitingStart > 0) return 'a reset taken, its boot not started (waiting for a boot slot)';
    if (p.starts > p.ends) return 'its boot to end (phone.boot)';
    if (p.registering) return 'its registration to settle (still Registering)';
    return null;
  }

  #unsettled(): { phone: string; waitingFor: string }[] {
    const out: { phone: string; waitingFor: string }[] = [];
    for (const [phone, p] of this.#pending) {
      const w = Settler.#waitingFor(p);
      if (w) out.push({ phone, waitingFor: w });
      else if (!p.counted) {
        p.counted = true;
        this.onSettled(1);
      }
    }
    return out;
  }

  /** Resolves when every touched phone has settled, or the bounded wait gave up. */
  async settle(opts: { idleMs: number; capMs: number }): Promise<SettleResult> {
    const t0 = Date.now();
    this.#lastProgress = t0;
    let runnerDone = false;
    void Promise.all(this.#runner).then(() => {
      runnerDone = true;
      this.#check?.();
    });
    const unsettled = await new Promise<{ phone: string; waitingFor: string }[]>((resolve) => {
      const finish = (left: { phone: string; waitingFor: string }[]) => {
        this.#check = null;
        clearInterval(timer);
        resolve(left);
      };
      this.#check = () => {
        const left = this.#unsettled();
        if (left.length === 0 && runnerDone) finish(left);
      };
      const timer = setInterval(() => {
        const now = Date.now();
        if (now - this.#lastProgress > opts.idleMs || now - t0 > opts.capMs) {
          const left = this.#unsettled();
          if (!runnerDone)
            for (const [phone, p] of this.#pending)
              if (p.runnerBoots > 0 && !left.some((l) => l.phone === phone))
                left.push({ phone, waitingFor: 'the boot the step started' });
          finish(left);
        }
      }, 250);
      timer.unref?.();
      this.#check();
    });
    this.#stop();
    let boots = 0;
    for (const p of this.#pending.values()) boots += p.ends;
    return {
      touched: this.#pending.size,
      resets: this.#resetsTotal,
      boots,
      unsettled,
      ms: Date.now() - t0,
    };
  }
}
