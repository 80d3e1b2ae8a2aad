/**
 * A timeline that keeps summaries only (`keepBulk: false`, what a fleet cell runs with): wire messages
 * and log lines reach subscribers as they happen, are counted as dropped and spilled, and are not
 * kept; everything else is kept and found as before.
 */
import { describe, expect, it } from 'vitest';
import { type LabEvent, Timeline } from '../../emulator/events.ts';
import { MODELLED } from '../../emulator/fidelity/fidelity.ts';
import '../../devices/protocols/events.ts';

const log = { source: 'console', level: 'info' as const, text: 'hello', fidelity: MODELLED };
const keepalive = { connId: 'c1', direction: 'sent' as const, message: 'KeepAlive', detail: null };
const verdict = { connId: 'c1', role: 'server' as const, accepted: true, reason: 'ok', alert: null };

describe('a timeline that keeps summaries only', () => {
  it('hands bulk events to subscribers and the spill, counts them, and keeps only the summaries', () => {
    const seen: string[] = [];
    let spilled = '';
    const t = new Timeline('fleet', Date.now(), { keepBulk: false, spill: (l) => (spilled += l) });
    t.subscribe(undefined, (e) => seen.push(e.kind));
    t.emit('SEP1', 'log', log);
    t.emit('SEP1', 'sccp.message', keepalive);
    t.emit('cucm', 'tls.verdict', verdict);
    expect(seen).toEqual(['log', 'sccp.message', 'tls.verdict']);
    expect(t.events().map((e) => e.kind)).toEqual(['tls.verdict']);
    expect(t.dropped).toBe(2);
    expect(
      spilled
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as LabEvent).kind),
    ).toEqual(['log', 'sccp.message']);
    expect(t.forConnection('c1').map((e) => e.kind)).toEqual(['tls.verdict']);
  });

  it('keeps every kind by default', () => {
    const t = new Timeline('lab', Date.now());
    t.emit('SEP1', 'log', log);
    t.emit('SEP1', 'sccp.message', keepalive);
    expect(t.events().map((e) => e.kind)).toEqual(['log', 'sccp.message']);
    expect(t.dropped).toBe(0);
  });

  it('finds what followed a position though the kept events skip the bulk ones in between', async () => {
    const t = new Timeline('fleet', Date.now(), { keepBulk: false });
    t.emit('cucm', 'action', { name: 'a', detail: '' });
    for (let i = 0; i < 50; i++) t.emit('SEP1', 'log', log);
    const b = t.emit('cucm', 'action', { name: 'b', detail: '' });
    t.emit('cucm', 'action', { name: 'c', detail: '' });
    const next = await t.waitFor('the action after b', (e) => e.kind === 'action', {
      since: b.seq,
      timeoutMs: 100,
    });
    expect(next.kind === 'action' && next.name).toBe('c');
  });
});
