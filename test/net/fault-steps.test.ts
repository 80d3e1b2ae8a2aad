/**
 * The scenario steps for faults (emulator/scenario.ts): `fault` and `clearFault` put a fault on and
 * take it off through the lab's fabric, and `expectFaultEffect` holds only when the timeline shows the
 * fault did what it says, while on (`net.faulted`) or once cleared (the counts of its removal).
 */
import { describe, expect, it } from 'vitest';
import type { Lab } from '../../emulator/lab.ts';
import { clearFault, expectFaultEffect, fault } from '../../emulator/scenario.ts';
import { newLab } from './support.ts';

async function labWithServer(name: string): Promise<Lab> {
  const lab = await newLab(name);
  lab.fabric.addHost('server');
  lab.fabric.addHost('client');
  await lab.fabric.listenTcp('server', 7000, (c) => c.socket.end('hello\n'));
  return lab;
}

describe('fault steps', () => {
  it('fault and clearFault put the named fault on and take it off, recorded', async () => {
    const lab = await labWithServer('steps-on-off');
    await fault('server down', 'test', {
      name: 'outage',
      kind: 'down',
      device: 'server',
      mode: 'refuse',
    }).run(lab);
    const refused = await lab.fabric.connectTcp('client', { host: 'server', port: 7000 });
    await clearFault('server back', 'test', 'outage').run(lab);
    const back = await lab.fabric.connectTcp('client', { host: 'server', port: 7000 });
    expect([refused.ok, back.ok]).toEqual([false, true]);
    expect(lab.timeline.ofKind('net.fault').map((e) => `${e.name} ${e.change}`)).toEqual([
      'outage added',
      'outage removed',
    ]);
  });

  it('a fault step with a bad spec fails with the reason, naming the field', async () => {
    const lab = await labWithServer('steps-bad');
    await expect(
      fault('bad', 'test', { kind: 'loss', device: 'server', percent: 120 }).run(lab),
    ).rejects.toThrow(/^fault\.percent: /);
    await expect(clearFault('nothing', 'test', 'nothing-on').run(lab)).rejects.toThrow(
      /no fault "nothing-on" is on/,
    );
  });

  it('expectFaultEffect holds when the fault acted, while on and after it is cleared', async () => {
    const lab = await labWithServer('steps-effect');
    await fault('server down', 'test', {
      name: 'outage',
      kind: 'down',
      device: 'server',
      mode: 'refuse',
    }).run(lab);
    await lab.fabric.connectTcp('client', { host: 'server', port: 7000 });
    await lab.fabric.connectTcp('client', { host: 'server', port: 7000 });
    const whileOn = await expectFaultEffect('outage', 'refused', 'test', { atLeast: 2 }).check(lab);
    await clearFault('server back', 'test', 'outage').run(lab);
    const afterwards = await expectFaultEffect('outage', 'refused', 'test', { atLeast: 2 }).check(lab);
    expect([whileOn.held, afterwards.held]).toEqual([true, true]);
    expect(afterwards.saw).toBe('server down (refuse): refused 2 (while it was on: {"refused":2})');
  });

  it('expectFaultEffect does not hold when the fault did not do that, or did it too rarely', async () => {
    const lab = await labWithServer('steps-no-effect');
    await fault('server down', 'test', {
      name: 'outage',
      kind: 'down',
      device: 'server',
      mode: 'refuse',
    }).run(lab);
    await lab.fabric.connectTcp('client', { host: 'server', port: 7000 });
    const checks = await Promise.all([
      expectFaultEffect('outage', 'blackholed', 'test').check(lab),
      expectFaultEffect('outage', 'refused', 'test', { atLeast: 2 }).check(lab),
      expectFaultEffect('never-added', 'refused', 'test').check(lab),
    ]);
    expect(checks.map((c) => c.held)).toEqual([false, false, false]);
    expect(checks[2]?.saw).toBe('no fault named never-added was put on');
  });
});
