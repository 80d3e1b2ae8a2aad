/**
 * After a step the cell waits for its fleet on events: each reset CUCM sent taken, each boot started
 * ended. These tests drive a timeline by hand, as the CUCM and the phones would.
 */
import { describe, expect, it } from 'vitest';
import '../../devices/cucm/events.ts';
import '../../devices/phone/events.ts';
import { Timeline } from '../../emulator/events.ts';
import { Settler } from '../../emulator/plan/settle.ts';

const A = 'SEPB00000000001';
const B = 'SEPB00000000002';

function bootEnded(t: Timeline, phone: string): void {
  t.emit(phone, 'phone.boot', {
    phone,
    model: 'CP-8861',
    firmware: 'sip-88xx-14.2',
    tftp: { host: 'cucm-pub', address: null, port: 69 },
    ctl: { outcome: 'not-found', md5: null },
    itl: { outcome: 'unchanged', md5: null },
    config: { file: null, outcome: 'verified', deviceSecurityMode: 1 },
    capf: null,
    registration: { state: 'registered', secure: false, transport: null, server: null, detail: '' },
    certificates: { mic: '', lsc: null },
    status: [],
  });
}

const reset = (t: Timeline, phone: string) =>
  t.emit('cucm-pub', 'cucm.reset', {
    deviceName: phone,
    protocol: 'SIP',
    reason: 'CallManager certificate changed',
  });

describe('a step settles on events', () => {
  it('waits for every phone CUCM reset to take the reset and finish its boot', async () => {
    const t = new Timeline('test');
    const s = new Settler(t, new Set([A, B]));
    reset(t, A);
    reset(t, B);
    let done = false;
    const p = s.settle({ idleMs: 5000, capMs: 10_000 }).then((r) => {
      done = true;
      return r;
    });
    for (const phone of [A, B]) {
      t.emit(phone, 'action', { name: 'phone.reset-by-cucm', detail: 'restart' });
      t.emit(phone, 'action', { name: 'phone.boot', detail: '' });
    }
    bootEnded(t, A);
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    bootEnded(t, B);
    const r = await p;
    expect(r).toMatchObject({ touched: 2, resets: 2, boots: 2, unsettled: [] });
  });

  it('waits for a boot the step started itself', async () => {
    const t = new Timeline('test');
    const s = new Settler(t, new Set([A]));
    let finish: () => void = () => {};
    s.track(A, new Promise<void>((r) => (finish = r)));
    let done = false;
    const p = s.settle({ idleMs: 5000, capMs: 10_000 }).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toBe(false);
    finish();
    await p;
    expect(done).toBe(true);
  });

  it('a reset the phone never takes ends the wait after the idle time, naming the phone', async () => {
    const t = new Timeline('test');
    const s = new Settler(t, new Set([A, B]));
    reset(t, A);
    const r = await s.settle({ idleMs: 300, capMs: 5000 });
    expect(r.unsettled).toEqual([{ phone: A, waitingFor: 'CUCM sent a reset the phone has not taken' }]);
  });

  it('a reset taken whose boot waits for a slot is still pending', async () => {
    const t = new Timeline('test');
    const s = new Settler(t, new Set([A]));
    reset(t, A);
    t.emit(A, 'action', { name: 'phone.reset-by-cucm', detail: 'restart' });
    const r = await s.settle({ idleMs: 300, capMs: 5000 });
    expect(r.unsettled[0]?.waitingFor).toMatch(/boot not started/);
  });

  it('resets of devices outside the cell are not waited for', async () => {
    const t = new Timeline('test');
    const s = new Settler(t, new Set([A]));
    reset(t, 'SEPB0000000000F');
    const r = await s.settle({ idleMs: 2000, capMs: 5000 });
    expect(r).toMatchObject({ touched: 0, resets: 0, unsettled: [] });
    expect(r.ms).toBeLessThan(1500);
  });

  it('a reset CUCM sends a phone that is switched off is not waited for', async () => {
    const t = new Timeline('test');
    const s = new Settler(t, new Set([A]), () => {}, new Set([A]));
    reset(t, A);
    const r = await s.settle({ idleMs: 2000, capMs: 5000 });
    expect(r).toMatchObject({ resets: 0, unsettled: [] });
    expect(r.ms).toBeLessThan(1500);
  });
});
