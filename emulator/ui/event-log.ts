/**
 * The live event stream of a lab kept up by `uclab up`: every event as one JSON line in
 * `<artifacts>/events.jsonl`, written as it happens (the lab writes `timeline.jsonl` only when it
 * stops). `uclab ui --attach <artifacts>` follows this file, and so can `tail -f` or `jq`.
 */
import { createWriteStream } from 'node:fs';
import type { Lab } from '../lab.ts';

export const EVENTS_FILE = 'events.jsonl';

/** Streams the lab's events (those so far, then each new one) until the lab stops; null in memory. */
export function streamLabEvents(lab: Lab): { path: string; close: () => Promise<void> } | null {
  const path = lab.artifacts.pathOf(EVENTS_FILE);
  if (!path) return null;
  const out = createWriteStream(path, { flags: 'w', mode: 0o644 });
  out.on('error', () => {
    // A full disk must not stop the lab: the stream ends, the lab goes on.
  });
  let closing: Promise<void> | null = null;
  // Idempotent: the lab's own lab.stopped and the caller may both close; both wait for the flush.
  const close = (): Promise<void> => {
    closing ??= new Promise((resolve) => {
      unsubscribe();
      out.end(() => resolve());
    });
    return closing;
  };
  for (const e of lab.timeline.events()) out.write(`${JSON.stringify(e)}\n`);
  const unsubscribe = lab.timeline.subscribe(undefined, (e) => {
    if (closing) return;
    out.write(`${JSON.stringify(e)}\n`);
    if (e.kind === 'lab.stopped') void close();
  });
  return { path, close };
}
