/**
 * A cap on the phones of one lab that boot at the same time. Not a phone behaviour: a resource bound
 * of the emulator. When CUCM resets 200 registered phones at once, a real cluster has a TFTP server
 * and a TVS per node with many cores; one lab process has one event loop, and 200 TLS handshakes in
 * the same instant starve it until the phones' own 5-second TLS timeouts fire (measured here: 751
 * of 1,000 phones failing that way). With a cap, a phone that takes a reset waits for a slot before
 * its boot starts (its `action phone.boot` event comes when it starts), so what each phone sees over
 * the wire is what it would see from an unloaded cluster: the same files, certificates and verdicts.
 *
 * The slots of a lab hang off its timeline (emulator/lab-memo.ts): the first phone declared with
 * `bootSlots` sets the size; phones declared without it do not wait.
 */
import { labMemo } from '../../emulator/lab-memo.ts';

export class BootSlots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    this.#free = size;
  }

  /** Resolves with the release function once a slot is free (first come, first served). */
  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }

  /** Boots in flight now. */
  get busy(): number {
    return this.size - this.#free;
  }

  /** Phones waiting for a slot. */
  get queued(): number {
    return this.#waiting.length;
  }
}

/** The boot slots of the lab whose timeline is `scope`, or null when the phone boots without waiting. */
export function bootSlotsFor(scope: object, size: number | undefined): BootSlots | null {
  if (size === undefined) return null;
  return labMemo(scope, 'phone-boot-slots', () => new BootSlots(size));
}
