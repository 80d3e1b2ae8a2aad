import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lab } from '../../emulator/lab.ts';
import { followJsonLines, openLabFolder } from '../../emulator/ui/attach.ts';
import { streamLabEvents } from '../../emulator/ui/event-log.ts';

/** Resolves once `n` values have arrived (bounded: rejects after `timeoutMs`). */
function collect(
  file: string,
  n: number,
  timeoutMs = 5000,
): { values: unknown[]; done: Promise<void>; stop: () => void } {
  const values: unknown[] = [];
  let resolve: () => void = () => {};
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    setTimeout(() => rej(new Error(`got ${values.length} of ${n} values`)), timeoutMs).unref();
  });
  const stop = followJsonLines(
    file,
    (v) => {
      values.push(v);
      if (values.length >= n) resolve();
    },
    { intervalMs: 20 },
  );
  return { values, done, stop };
}

describe('following a lab kept up by uclab up', () => {
  it('reads the lines there, then lines appended later, a line split across writes once it is whole', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'uclab-follow-')), 'events.jsonl');
    writeFileSync(file, '{"seq":1}\nnot json\n{"seq":2,"text":"Zażółć');
    const c = collect(file, 3);
    appendFileSync(file, '"}\n{"seq":3}\n');
    await c.done;
    c.stop();
    expect(c.values).toEqual([{ seq: 1 }, { seq: 2, text: 'Zażółć' }, { seq: 3 }]);
  });

  it('says what is missing when the folder is not a running lab', () => {
    const dir = mkdtempSync(join(tmpdir(), 'uclab-notlab-'));
    const none = openLabFolder(dir);
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.error.message).toContain('has no lab.json');
    writeFileSync(join(dir, 'lab.json'), '{"lab": "x/fault"}');
    const noEvents = openLabFolder(dir);
    expect(noEvents.ok).toBe(false);
    if (!noEvents.ok) expect(noEvents.error.message).toContain('neither events.jsonl nor timeline.jsonl');
    writeFileSync(join(dir, 'lab.json'), '{lab');
    const bad = openLabFolder(dir);
    if (!bad.ok) expect(bad.error.code).toBe('ui.attach.bad-lab');
  });

  it('streams a lab’s events to events.jsonl as they happen, the earlier ones first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uclab-stream-'));
    const lab = await Lab.create({ name: 'stream/test', artifactsDir: dir });
    const stream = streamLabEvents(lab);
    try {
      expect(stream?.path).toBe(join(dir, 'events.jsonl'));
      const c = collect(join(dir, 'events.jsonl'), 2);
      lab.timeline.emit('phone', 'log', {
        source: 'status',
        level: 'info',
        text: 'Registered',
        fidelity: { kind: 'modelled' },
      });
      await c.done;
      c.stop();
      expect(c.values.map((v) => (v as { kind: string }).kind)).toEqual(['lab.started', 'log']);
    } finally {
      await lab.stop();
      await stream?.close();
    }
    // Stopping the lab ends the stream with lab.stopped.
    const lines = readFileSync(join(dir, 'events.jsonl'), 'utf8').trim().split('\n');
    expect(JSON.parse(lines.at(-1) ?? '{}').kind).toBe('lab.stopped');
  });
});
