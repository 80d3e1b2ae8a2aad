import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, Timeline, WaitTimeout } from '../../emulator/events.ts';

describe('event timeline', () => {
  it('stamps every event with the schema version, lab, device and position', () => {
    const t = new Timeline('lab-a');
    const e = t.emit('cucm', 'log', {
      source: 'ccm',
      level: 'info',
      text: 'hello',
      fidelity: { kind: 'modelled' },
    });
    expect(e).toMatchObject({
      schemaVersion: SCHEMA_VERSION,
      seq: 1,
      lab: 'lab-a',
      device: 'cucm',
      kind: 'log',
      text: 'hello',
    });
  });

  it('a bounded wait that runs out says what it waited for and what it saw instead', async () => {
    const t = new Timeline('lab-b');
    t.emit('phone', 'log', {
      source: 'console',
      level: 'info',
      text: 'Trust List Update Failed',
      fidelity: { kind: 'modelled' },
    });
    const p = t.waitFor(
      '"Trust List Updated" on the phone',
      (e) => e.kind === 'log' && e.text === 'Trust List Updated',
      {
        timeoutMs: 50,
      },
    );
    await expect(p).rejects.toBeInstanceOf(WaitTimeout);
    await expect(p).rejects.toThrow(
      /waiting for "Trust List Updated" on the phone; saw instead: .*Trust List Update Failed/,
    );
  });

  it('a wait resolves on an event that arrives later', async () => {
    const t = new Timeline('lab-c');
    const p = t.waitFor('registration', (e) => e.kind === 'action' && e.name === 'registered');
    queueMicrotask(() => t.emit('phone', 'action', { name: 'registered', detail: 'SCCP' }));
    await expect(p).resolves.toMatchObject({ name: 'registered' });
  });

  it('subscribers see only the events their filter names', () => {
    const t = new Timeline('lab-d');
    const seen: string[] = [];
    const off = t.subscribe({ device: 'phone' }, (e) => seen.push(e.kind));
    t.emit('cucm', 'action', { name: 'x', detail: '' });
    t.emit('phone', 'action', { name: 'y', detail: '' });
    off();
    t.emit('phone', 'action', { name: 'z', detail: '' });
    expect(seen).toEqual(['action']);
  });

  it('streams the timeline as JSON lines', () => {
    const t = new Timeline('lab-e');
    t.emit('a', 'action', { name: 'one', detail: '' });
    t.emit('b', 'action', { name: 'two', detail: '' });
    const lines = t
      .toJsonLines()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.name)).toEqual(['one', 'two']);
  });

  it('the alert side channel returns the alert a rejecting device recorded', () => {
    const t = new Timeline('lab-f');
    t.emit('cucm', 'tls.verdict', {
      connId: 'c1',
      role: 'server',
      accepted: false,
      reason: 'expired',
      alert: { code: 45, name: 'certificate_expired' },
    });
    expect(t.alertFor('c1')).toEqual({ code: 45, name: 'certificate_expired' });
    expect(t.alertFor('c2')).toBeNull();
  });
});

describe('a bounded timeline', () => {
  const emitN = (t: Timeline, n: number, connId?: (i: number) => string) => {
    for (let i = 1; i <= n; i++) {
      if (connId) t.emit('cucm', 'net.close', { connId: connId(i), role: 'server' });
      else t.emit('cucm', 'action', { name: `a${i}`, detail: '' });
    }
  };

  it('keeps at most maxEvents in memory and counts the ones it dropped', () => {
    const t = new Timeline('bounded', Date.now(), { maxEvents: 10 });
    emitN(t, 25);
    const kept = t.events();
    expect(kept.length).toBeLessThanOrEqual(10);
    expect(t.dropped).toBe(25 - kept.length);
    expect(kept.at(-1)?.seq).toBe(25);
    expect(kept.map((e) => e.seq)).toEqual(kept.map((_, i) => 25 - kept.length + 1 + i));
  });

  it('hands the dropped events to the spill sink, so spill and memory together are the whole timeline', () => {
    let spilled = '';
    const t = new Timeline('spill', Date.now(), { maxEvents: 10, spill: (lines) => (spilled += lines) });
    emitN(t, 25);
    const all = `${spilled}${t.toJsonLines()}`
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(all.map((e) => e.name)).toEqual(Array.from({ length: 25 }, (_, i) => `a${i + 1}`));
  });

  it('a spill sink that fails stops spilling without failing the emit, and says why', () => {
    const t = new Timeline('spill-fails', Date.now(), {
      maxEvents: 10,
      spill: () => {
        throw new Error('ENOSPC: no space left on device');
      },
    });
    expect(() => emitN(t, 25)).not.toThrow();
    expect(t.dropped).toBeGreaterThan(0);
    expect(t.spillError).toBe('ENOSPC: no space left on device');
  });

  it("waitFor's since counts timeline positions after events were dropped", async () => {
    const t = new Timeline('since', Date.now(), { maxEvents: 10 });
    emitN(t, 30);
    await expect(
      t.waitFor('an action after seq 27', (e) => e.kind === 'action', { since: 27, timeoutMs: 50 }),
    ).resolves.toMatchObject({ seq: 28, name: 'a28' });
  });

  it('the alert side channel forgets a connection whose events were dropped', () => {
    const t = new Timeline('forget', Date.now(), { maxEvents: 10 });
    t.emit('cucm', 'tls.verdict', {
      connId: 'c1',
      role: 'server',
      accepted: false,
      reason: 'expired',
      alert: { code: 45, name: 'certificate_expired' },
    });
    expect(t.alertFor('c1', 'server')).toEqual({ code: 45, name: 'certificate_expired' });
    emitN(t, 20);
    expect(t.alertFor('c1', 'server')).toBeNull();
    expect(t.forConnection('c1')).toEqual([]);
  });

  it('a lab with an artifacts folder keeps every event in timeline.jsonl though memory held few', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { Lab } = await import('../../emulator/lab.ts');
    const dir = mkdtempSync(join(tmpdir(), 'uclab-spill-'));
    const lab = await Lab.create({ name: 'spill-lab', artifactsDir: dir, maxEvents: 20 });
    for (let i = 0; i < 100; i++) lab.timeline.emit('lab', 'action', { name: `step ${i}`, detail: '' });
    await lab.stop();
    expect(lab.timeline.events().length).toBeLessThanOrEqual(20);
    const lines = readFileSync(join(dir, 'timeline.jsonl'), 'utf8').trim().split('\n');
    const seqs = lines.map((l) => JSON.parse(l).seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(seqs.length).toBe(lab.timeline.events().at(-1)?.seq);
    expect(seqs.length).toBeGreaterThan(100);
  });
});

describe('lookups by connection', () => {
  /** Milliseconds for `fn` run `n` times. */
  const timed = (n: number, fn: (i: number) => void) => {
    const start = performance.now();
    for (let i = 0; i < n; i++) fn(i);
    return performance.now() - start;
  };

  it('alertFor costs the same on a timeline of 50,000 events as on one of 50 (an index, not a scan)', () => {
    const build = (events: number) => {
      const t = new Timeline('index', Date.now(), { maxEvents: 100_000 });
      for (let i = 0; i < events; i++) t.emit('phone', 'net.close', { connId: `c${i}`, role: 'client' });
      return t;
    };
    const small = build(50);
    const big = build(50_000);
    // Warm both up, then measure in the same run: a scan would make the big one ~1000 times slower.
    timed(200, (i) => small.alertFor(`c${i % 50}`));
    timed(200, (i) => big.alertFor(`c${i % 50}`));
    const tSmall = timed(2000, (i) => small.alertFor(`c${i % 50}`));
    const tBig = timed(2000, (i) => big.alertFor(`c${i % 50}`));
    expect(tBig).toBeLessThan(Math.max(tSmall, 1) * 20);
  });

  it('a wait for one connection resolves on an event of that connection only', async () => {
    const t = new Timeline('conn-wait', Date.now());
    const wait = t.waitForConnection('c2', 'c2 to close', (e) => e.kind === 'net.close', { timeoutMs: 1000 });
    t.emit('phone', 'net.close', { connId: 'c1', role: 'client' });
    t.emit('phone', 'net.close', { connId: 'c2', role: 'client' });
    await expect(wait).resolves.toMatchObject({ connId: 'c2', seq: 2 });
  });

  it('five thousand pending connection waits do not slow down the events of other connections', async () => {
    const emitOthers = (t: Timeline) =>
      timed(10_000, (i) => t.emit('phone', 'net.close', { connId: `other${i}`, role: 'client' }));
    const quiet = new Timeline('no-waits', Date.now());
    const busy = new Timeline('waits', Date.now());
    const waits = Array.from({ length: 5000 }, (_, i) =>
      busy.waitForConnection(`c${i}`, `c${i} to close`, (e) => e.kind === 'net.close', { timeoutMs: 10_000 }),
    );
    emitOthers(new Timeline('warm-up', Date.now()));
    const tQuiet = emitOthers(quiet);
    const tBusy = emitOthers(busy);
    // Each wait tested against every event would be 50 million predicate calls here.
    expect(tBusy).toBeLessThan(Math.max(tQuiet, 1) * 5);
    for (let i = 0; i < 5000; i++) busy.emit('phone', 'net.close', { connId: `c${i}`, role: 'client' });
    expect(await Promise.all(waits)).toHaveLength(5000);
  });
});
