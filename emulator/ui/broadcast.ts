/**
 * Server-sent events to every open page: a `reset` with the whole view when a page connects or a new
 * run starts, then `patch` messages. Patches are sent in batches (at most one per `flushMs`), and
 * within a batch only the last state of each entity is kept, so a burst of events costs the page one
 * render, not one per event.
 */
import type { ServerResponse } from 'node:http';
import type { Patch } from './model/view.ts';

function keyOf(p: Patch): string | null {
  switch (p.k) {
    case 'lab':
      return 'lab';
    case 'layout':
      return 'layout';
    case 'device':
      return `device:${p.v.name}`;
    case 'link':
      return `link:${p.v.id}`;
    case 'row':
      return `row:${p.v.id}`;
    case 'screen':
      return `screen:${p.v.device}`;
    case 'step':
      return `step:${p.v.index}`;
    case 'log':
      return null;
  }
}

export class Broadcaster {
  readonly #clients = new Set<ServerResponse>();
  #batch = new Map<string, Patch>();
  #appended = 0;
  #timer: NodeJS.Timeout | null = null;
  #generation = 0;

  constructor(private readonly flushMs = 40) {}

  get clients(): number {
    return this.#clients.size;
  }

  /** Adds a page; `first` is the message it gets before any patch (its `reset`). */
  add(res: ServerResponse, first: { event: string; data: unknown }[]): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    // A page that connects mid-batch gets the batch too: the reset already holds it, and patches are
    // idempotent upserts; logs are appended, so flush first to keep them from doubling.
    this.flush();
    for (const m of first) res.write(frame(m.event, m.data));
    this.#clients.add(res);
    res.on('close', () => this.#clients.delete(res));
  }

  /** Starts a new generation: pending patches of the old one are dropped. */
  reset(generation: number, message: unknown): void {
    this.#generation = generation;
    this.#batch = new Map();
    this.#appended = 0;
    this.send('reset', message);
  }

  queue(patches: Patch[]): void {
    for (const p of patches) {
      const k = keyOf(p);
      if (k === null) this.#batch.set(`log#${this.#appended++}`, p);
      else {
        this.#batch.delete(k);
        this.#batch.set(k, p);
      }
    }
    if (!this.#timer && this.#batch.size > 0) {
      this.#timer = setTimeout(() => this.flush(), this.flushMs);
    }
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#batch.size === 0) return;
    const patches = [...this.#batch.values()];
    this.#batch = new Map();
    this.#appended = 0;
    this.send('patch', { generation: this.#generation, patches });
  }

  send(event: string, data: unknown): void {
    const f = frame(event, data);
    for (const c of this.#clients) c.write(f);
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const c of this.#clients) c.end();
    this.#clients.clear();
  }
}

function frame(event: string, data: unknown): string {
  // JSON has no raw newline, so one `data:` line carries the whole message.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
