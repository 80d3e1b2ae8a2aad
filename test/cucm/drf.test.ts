/**
 * DRF Master (publisher, 4040) and DRF Local (every node) over mutual TLS with the ipsec certificates
 * (devices/cucm/drf.ts): each Local Agent checks the Master against the ipsec-trust it read at its
 * start, refuses with JSSE's certificate_unknown, and the Master logs seed 003's lines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CucmNodeDevice } from '../../devices/cucm/node.ts';
import type { LabEvent } from '../../emulator/events.ts';
import { type CucmLab, startCucmLab } from './support.ts';

let t: CucmLab;
let sub: CucmNodeDevice;

beforeAll(async () => {
  t = await startCucmLab('cucm-drf', {}, [{ kind: 'cucm', name: 'cucm-sub', publisher: 'cucm-pub' }]);
  sub = t.lab.device('cucm-sub', CucmNodeDevice);
});
afterAll(async () => {
  await t?.stop();
});

function subscriberAgent(state: 'connected' | 'failed', since: number): Promise<LabEvent> {
  return t.lab.timeline.waitFor(
    `cucm-sub DRF Local ${state}`,
    (e) => e.kind === 'cucm.drf' && e.device === 'cucm-sub' && e.agent === 'local' && e.state === state,
    { timeoutMs: 10_000, since },
  );
}

describe('DRF Master and Local', () => {
  it("a Local Agent that started before the publisher's ipsec regeneration refuses the Master with certificate_unknown", async () => {
    await subscriberAgent('connected', 0);
    const since = t.lab.timeline.events().length;
    await t.pub.exec('set cert regen ipsec');
    expect(await t.pub.exec('utils service restart Cisco DRF Master')).toContain('Cisco DRF Master[STARTED]');
    const refused = (await subscriberAgent('failed', since)) as LabEvent<'cucm.drf'>;
    expect(refused.alert?.name).toBe('certificate_unknown');
    const master = (await t.lab.timeline.waitFor(
      'cucm-pub DRF Master refused',
      (e) => e.kind === 'cucm.drf' && e.device === 'cucm-pub' && e.agent === 'master' && e.state === 'failed',
      { since },
    )) as LabEvent<'cucm.drf'>;
    expect(master.detail).toBe('Received fatal alert: certificate_unknown');
    const lines = t.pub.logLines();
    expect(lines).toContain(
      'drfNetServerWorker.drfNetServerWorker: Unable to create input/output stream to client',
    );
    expect(lines.some((l) => l.startsWith(`Validated Client. IP = ${sub.address} Hostname = `))).toBe(true);
  });

  it('restarting DRF Local reads ipsec-trust again: the Local Agent trusts the new Master certificate', async () => {
    const since = t.lab.timeline.events().length;
    expect(await sub.exec('utils service restart Cisco DRF Local')).toContain('Cisco DRF Local[STARTED]');
    const e = (await subscriberAgent('connected', since)) as LabEvent<'cucm.drf'>;
    expect(e.peer).toBe('cucm-pub');
  });

  it('DRF Master runs on the publisher only: restarting it on a subscriber is refused', async () => {
    expect(await sub.exec('utils service restart Cisco DRF Master')).toMatch(
      /^Executed command unsuccessfully\nCisco DRF Master runs on the publisher only/,
    );
  });
});
