/**
 * What a certificate change causes (devices/cucm/cert-consequences.ts), read from the timeline: an
 * ITL-related unit rebuilds the ITL and resets the phones (seed 003, "Certificate Regeneration");
 * tomcat restarts Tomcat and touches neither the ITL nor the phones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../emulator/events.ts';
import { type CucmLab, startCucmLab } from './support.ts';

let t: CucmLab;
beforeAll(async () => {
  t = await startCucmLab('cucm-cert-effects');
});
afterAll(async () => {
  await t?.stop();
});

async function during(act: () => Promise<unknown>): Promise<{ events: LabEvent[]; log: string[] }> {
  const mark = t.lab.timeline.events().length;
  await act();
  const events = t.lab.timeline.events().filter((e) => e.seq > mark && e.device === 'cucm-pub');
  const log = events.flatMap((e) => (e.kind === 'log' ? [(e as LabEvent<'log'>).text] : []));
  return { events, log };
}

const itlChanged = (events: LabEvent[]) =>
  events.some(
    (e) => e.kind === 'cucm.file-changed' && (e as LabEvent<'cucm.file-changed'>).file === 'ITLFile.tlv',
  );

describe('what a certificate change causes', () => {
  it('regenerating ITLRecovery rebuilds the ITL and resets the phones', async () => {
    const { events, log } = await during(() => t.pub.regenerate('ITLRecovery'));
    expect(itlChanged(events)).toBe(true);
    expect(log).toContain('Certificate CNF. isITLRelatedRole=CERTIFICATE_SERVICE_ITLRECOVERY');
    expect(log.some((l) => l.startsWith('Cnf group reset:'))).toBe(true);
  });

  it('regenerating tomcat restarts Tomcat and leaves the ITL and the phones alone', async () => {
    const { events, log } = await during(() => t.pub.regenerate('tomcat'));
    expect(itlChanged(events)).toBe(false);
    expect(log.some((l) => l.startsWith('Certificate CNF.') || l.startsWith('Cnf group reset:'))).toBe(false);
    expect(log.some((l) => l.startsWith('Tomcat started:'))).toBe(true);
  });
});
