/**
 * Where a lab leaves what a person opens afterwards: the PKI, trust lists, configs, the TLS key log,
 * device logs, the timeline. Without an artifacts folder, writes are kept in memory only.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export class Artifacts {
  readonly dir: string | null;
  readonly #files = new Map<string, Buffer>();

  constructor(dir: string | null) {
    this.dir = dir ? resolve(dir) : null;
    if (this.dir) mkdirSync(this.dir, { recursive: true });
  }

  /** Writes `data` at `path` inside the artifacts folder; returns the absolute path, or null in memory. */
  write(path: string, data: string | Uint8Array): string | null {
    const safe = path.replace(/\\/g, '/');
    if (safe.startsWith('/') || safe.split('/').includes('..'))
      throw new Error(`artifact path ${path} leaves the folder`);
    const buf = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
    this.#files.set(safe, buf);
    if (!this.dir) return null;
    const full = join(this.dir, safe);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, buf);
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
