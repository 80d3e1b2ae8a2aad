/**
 * The lab's TLS key log, in the NSS SSLKEYLOGFILE format tshark and Wireshark read
 * (`-o tls.keylog_file:keys.log`, docs/reference/toolchain.md §2.3): node:tls hands every secret line to the
 * fabric through its `keylog` events (docs/reference/toolchain.md §3.5). The file holds secrets: it is written 0600.
 */
import { appendFileSync, chmodSync } from 'node:fs';

/** Lines kept in memory (the file keeps them all): enough for a test, flat for a long-running lab. */
const MEMORY_LINES = 10_000;

export class KeyLog {
  readonly #path: string | null;
  #lines: string[] = [];
  #checkedMode = false;
  #failed: string | null = null;

  constructor(path: string | null) {
    this.#path = path;
  }

  /** The most recent lines, oldest first. */
  get lines(): readonly string[] {
    return this.#lines;
  }

  write(line: Buffer): void {
    const text = line.toString('latin1');
    this.#lines.push(text.endsWith('\n') ? text.slice(0, -1) : text);
    if (this.#lines.length > MEMORY_LINES) this.#lines = this.#lines.slice(-MEMORY_LINES / 2);
    if (!this.#path || this.#failed) return;
    try {
      appendFileSync(this.#path, text.endsWith('\n') ? text : `${text}\n`, { mode: 0o600 });
      if (!this.#checkedMode) {
        // `mode` applies only when the file is created: a key log left by an older run keeps its own.
        chmodSync(this.#path, 0o600);
        this.#checkedMode = true;
      }
    } catch (e) {
      // Called from node:tls's keylog event: a full disk or a removed folder must not end the lab.
      this.#failed = `${this.#path}: ${(e as Error).message}`;
    }
  }

  /** Why the file stopped being written (the lines are still kept in memory), or null. */
  get fileError(): string | null {
    return this.#failed;
  }
}
