import { afterEach, describe, expect, it } from 'vitest';
import type { CucmNodeDevice } from '../../devices/cucm/node.ts';
import { Phone } from '../../devices/phone/phone.ts';
import { Lab } from '../../emulator/lab.ts';
import '../../devices/index.ts';

const labs: Lab[] = [];
afterEach(async () => {
  await Promise.all(labs.splice(0).map((l) => l.stop()));
});

describe('utils system restart', () => {
  it('drops the registrations; the phone registers again by itself once the node is back', async () => {
    const lab = await Lab.create({ name: 'system-restart' });
    labs.push(lab);
    const built = lab.build({
      devices: [
        {
          kind: 'cucm',
          name: 'cucm-pub',
          aliases: ['cucm-pub.lab.example'],
          phones: [{ name: 'SEP00112233AA01', model: 'CP-7975', protocol: 'SCCP', security: 'non-secure' }],
        },
        {
          kind: 'phone',
          name: 'SEP00112233AA01',
          mac: '00112233AA01',
          model: 'CP-7975',
          firmware: 'sccp-79xx-9.4',
          tftp: 'cucm-pub',
          autoBoot: false,
          timers: { reRegisterDelayMs: 20, reRegisterMaxDelayMs: 100 },
        },
      ],
    });
    if (!built.ok) throw new Error(built.error.message);
    await lab.start();
    const phone = lab.device('SEP00112233AA01', Phone);
    await phone.boot();
    await lab.timeline.waitFor('the first registration', (e) => e.kind === 'cucm.registered');
    const cucm = lab.device<CucmNodeDevice>('cucm-pub');
    const beforeRestart = lab.timeline.events().length;
    const out = await cucm.exec('utils system restart');
    expect(out).toContain('Appliance is being Restarted ...');
    // The phone notices the node went away and says so, then registers again on its own.
    await lab.timeline.waitFor(
      'the phone to show Registering after the restart',
      (e) => e.kind === 'log' && e.device === 'SEP00112233AA01' && /Registering/.test(e.text),
      { since: beforeRestart, timeoutMs: 10_000 },
    );
    await lab.timeline.waitFor('a registration after the restart', (e) => e.kind === 'cucm.registered', {
      since: beforeRestart,
      timeoutMs: 10_000,
    });
  });
});
