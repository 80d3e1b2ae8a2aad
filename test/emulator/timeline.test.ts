import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, Timeline, WaitTimeout } from '../../emulator/events.ts';

describe('event timeline', () => {
  it('stamps every event with the schema version, lab, device and position', () => {
    const t = new Timeline('lab-a');
    const e = t.emit('cucm', 'log', { source: 'ccm', level: 'info', text: 'hello' });
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
    t.emit('phone', 'log', { source: 'console', level: 'info', text: 'Trust List Update Failed' });
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
