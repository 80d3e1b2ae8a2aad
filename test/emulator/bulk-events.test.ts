/**
 * The wire message events (devices/protocols/events.ts) are bulk: a lab emits one per SCCP or SIP
 * message, so they are bounded and spilled like every event and kept out of the per-connection index
 * the alert side channel reads (emulator/events.ts `BULK_KINDS`).
 */
import { describe, expect, it } from 'vitest';
import { Timeline } from '../../emulator/events.ts';
import '../../devices/protocols/events.ts';

describe('bulk events on the timeline', () => {
  it('100,000 keepalive messages on one connection stay bounded, are spilled, and leave its index to the TLS events', () => {
    let spilled = 0;
    const t = new Timeline('bulk', Date.now(), {
      maxEvents: 5_000,
      spill: (lines) => {
        spilled += lines.split('\n').filter((l) => l.includes('"sccp.message"')).length;
      },
    });
    t.emit('cucm', 'tls.verdict', {
      connId: 'c1',
      role: 'server',
      accepted: false,
      reason: 'expired',
      alert: { code: 45, name: 'certificate_expired' },
      rule: null,
    });
    for (let i = 0; i < 100_000; i++) {
      t.emit('SEP1', 'sccp.message', { connId: 'c1', direction: 'sent', message: 'KeepAlive', detail: null });
    }
    expect(t.events().length).toBeLessThanOrEqual(5_000);
    expect(t.dropped).toBeGreaterThanOrEqual(95_001);
    expect(spilled).toBeGreaterThanOrEqual(95_000);
    // The verdict was dropped with the oldest events; the index holds nothing of the messages.
    expect(t.forConnection('c1')).toEqual([]);
    t.emit('SEP1', 'tls.verdict', {
      connId: 'c1',
      role: 'client',
      accepted: true,
      reason: 'ok',
      alert: null,
    });
    t.emit('SEP1', 'sccp.message', { connId: 'c1', direction: 'sent', message: 'KeepAlive', detail: null });
    expect(t.forConnection('c1').map((e) => e.kind)).toEqual(['tls.verdict']);
    expect(t.ofKind('sccp.message').at(-1)?.connId).toBe('c1');
  });
});
