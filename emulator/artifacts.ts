/**
 * Where a lab leaves what a person opens afterwards: the PKI, trust lists, configs, the TLS key log,
 * device logs, the timeline. Without an artifacts folder, writes are kept in memory only.
 *
 * The folder holds private keys and TLS secrets (files a user can trust): every folder the
 * lab creates is 0700, and private files (`*.key`, `keys.log`, and anything holding a PEM private key)
 * are 0600, also when an older run left the file with another mode. A folder the user named and that
 * already existed keeps its own mode: the lab does not chmod a directory it did not make.
 */
import { appendFileSync, chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';

const DIR_MODE = 0o700;
const PRIVATE_MODE = 0o600;
const PUBLIC_MODE = 0o644;

/** Whether an artifact is a secret: by name, or by content (a private key under another name). */
export function isPrivateArtifact(path: string, data?: Uint8Array): boolean {
  if (/\.key$/i.test(path) || basename(path) === 'keys.log') return true;
  return (
    data !== undefined &&
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).includes('PRIVATE KEY-----')
  );
}

export class Artifacts {
  readonly dir: string | null;
  readonly #files = new Map<string, Buffer>();
  /** `false` given for the folder: nothing is kept, not even in memory (a fleet cell's lab). */
  readonly #discard: boolean;

  constructor(dir: string | null | false) {
    this.#discard = dir === false;
    this.dir = dir ? resolve(dir) : null;
    if (this.dir) mkdirSync(this.dir, { recursive: true, mode: DIR_MODE });
  }

  #safe(path: string): string {
    const safe = path.replace(/\\/g, '/');
    if (safe.startsWith('/') || safe.split('/').includes('..'))
      throw new Error(`artifact path ${path} leaves the folder`);
    return safe;
  }

  /** Creates the folders of `full` below the artifacts folder, each 0700. */
  #mkdirs(full: string): void {
    const d = dirname(full);
    if (!existsSync(d)) mkdirSync(d, { recursive: true, mode: DIR_MODE });
  }

  /** Writes `data` at `path` inside the artifacts folder; returns the absolute path, or null in memory. */
  write(path: string, data: string | Uint8Array): string | null {
    const safe = this.#safe(path);
    if (this.#discard) return null;
    const buf = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
    this.#files.set(safe, buf);
    if (!this.dir) return null;
    const full = join(this.dir, safe);
    this.#mkdirs(full);
    const mode = isPrivateArtifact(safe, buf) ? PRIVATE_MODE : PUBLIC_MODE;
    writeFileSync(full, buf, { mode });
    // `mode` applies only when the file is created.
    if (mode === PRIVATE_MODE) chmodSync(full, mode);
    return full;
  }

  /**
   * Removes an artifact that no longer stands for anything (a file a server stopped serving), so the
   * folder never shows a stale copy beside what is current. Absent files are fine.
   */
  remove(path: string): void {
    const safe = this.#safe(path);
    this.#files.delete(safe);
    if (this.dir) rmSync(join(this.dir, safe), { force: true });
  }

  /**
   * Appends to an artifact (the timeline as it grows). With a folder the text goes to the file only, so
   * a long-running lab does not keep it in memory too; `read` then has nothing for it.
   */
  append(path: string, data: string): string | null {
    const safe = this.#safe(path);
    if (this.#discard) return null;
    if (!this.dir) {
      const before = this.#files.get(safe);
      this.#files.set(safe, before ? Buffer.concat([before, Buffer.from(data)]) : Buffer.from(data));
      return null;
    }
    this.#files.delete(safe);
    const full = join(this.dir, safe);
    this.#mkdirs(full);
    const mode = isPrivateArtifact(safe, Buffer.from(data)) ? PRIVATE_MODE : PUBLIC_MODE;
    appendFileSync(full, data, { mode });
    if (mode === PRIVATE_MODE) chmodSync(full, mode);
    return full;
  }

  /** The absolute path an artifact has (or would have), for lab.json; null without a folder. */
  pathOf(path: string): string | null {
    return this.dir ? join(this.dir, path) : null;
  }

  read(path: string): Buffer | undefined {
    return this.#files.get(path);
  }

  list(): string[] {
    return [...this.#files.keys()].sort();
  }

  relativeTo(full: string): string {
    return this.dir ? relative(this.dir, full) : full;
  }
}
