/**
 * Every administrator action leaves an event with its outcome: success, or the refusal text the
 * administrator saw (`cucm.admin-action`; the CLI transcript also as `cucm.admin` with its outcome),
 * so that a scenario, a live view or a report can show it without reading the node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../emulator/events.ts';
import { type CucmLab, PHONE, startCucmLab } from './support.ts';

let t: CucmLab;
beforeAll(async () => {
  t = await startCucmLab('cucm-admin-events');
});
afterAll(async () => {
  await t?.stop();
});

/** The admin-action events of `cucm-pub` emitted while `act` ran. */
async function actionsOf(act: () => unknown): Promise<LabEvent<'cucm.admin-action'>[]> {
  const mark = t.lab.timeline.events().length;
  await act();
  return t.lab.timeline.ofKind('cucm.admin-action', 'cucm-pub').filter((e) => e.seq > mark);
}

describe('CUCM admin actions on the timeline', () => {
  it('a regeneration is recorded as done with the success text', async () => {
    const [e] = await actionsOf(() => t.pub.regenerate('tomcat'));
    expect(e).toMatchObject({
      action: 'regenerate',
      target: 'tomcat',
      outcome: 'done',
      detail: 'Successfully Regenerated Certificate for tomcat.',
      code: null,
    });
  });

  it('a regeneration the 5-minute guard refuses is recorded with the refusal the administrator saw', async () => {
    await t.pub.regenerate('CallManager');
    const [e] = await actionsOf(() => t.pub.regenerate('TVS'));
    expect(e).toMatchObject({
      action: 'regenerate',
      target: 'TVS',
      outcome: 'refused',
      code: 'cert.regen-guard',
      detail:
        'CallManager certificate was modified in the last 5 minutes. Please re-try regenerating TVS certificate at a later time',
    });
  });

  it('a refused CLI command is a cucm.admin event with outcome refused and the printed output', async () => {
    const mark = t.lab.timeline.events().length;
    const output = await t.pub.exec('utils itl reset remotekey');
    const [e] = t.lab.timeline.ofKind('cucm.admin', 'cucm-pub').filter((x) => x.seq > mark);
    expect(e).toMatchObject({ command: 'utils itl reset remotekey', outcome: 'refused', output });
    expect(output).toContain('No remote node with a recovery key was found in the cluster');
  });

  it('a CLI command that succeeds is a cucm.admin event with outcome done', async () => {
    const mark = t.lab.timeline.events().length;
    await t.pub.exec('show cert list own');
    const [e] = t.lab.timeline.ofKind('cucm.admin', 'cucm-pub').filter((x) => x.seq > mark);
    expect(e?.outcome).toBe('done');
  });

  it('a trust upload that is no certificate is recorded as refused with its reason', async () => {
    const [e] = await actionsOf(() => t.pub.uploadTrust('CallManager-trust', 'not a certificate'));
    expect(e?.action).toBe('upload-trust');
    expect(e?.outcome).toBe('refused');
    expect(e?.detail.length).toBeGreaterThan(0);
  });

  it('deleting a trust certificate that is not there is recorded as refused', async () => {
    const [e] = await actionsOf(() => t.pub.deleteTrust('CallManager-trust', 'nobody.pem'));
    expect(e).toMatchObject({
      action: 'delete-trust',
      target: 'CallManager-trust/nobody.pem',
      outcome: 'refused',
      detail: 'No certificate nobody.pem in CallManager-trust',
    });
  });

  it('a CSR is recorded as done', async () => {
    const [e] = await actionsOf(() => t.pub.generateCsr('tomcat'));
    expect(e).toMatchObject({ action: 'generate-csr', target: 'tomcat', outcome: 'done' });
  });

  it('updating the CTL of a non-secure cluster is recorded as refused', async () => {
    const [e] = await actionsOf(() => t.pub.updateCtl());
    expect(e).toMatchObject({ action: 'ctl-update', outcome: 'refused', code: 'ctl.not-mixed' });
  });

  it('a CAPF operation for an unknown phone is refused, for a configured phone done', async () => {
    const [bad] = await actionsOf(() =>
      t.pub.setCapfOperation('SEP000000000000', { operation: 'install', authMode: 'null-string' }),
    );
    expect(bad).toMatchObject({ action: 'capf-operation', outcome: 'refused', code: 'capf.unknown-device' });
    const [good] = await actionsOf(() =>
      t.pub.setCapfOperation(PHONE, { operation: 'install', authMode: 'null-string' }),
    );
    expect(good).toMatchObject({ action: 'capf-operation', target: PHONE, outcome: 'done' });
  });

  it('a phone reset is recorded with how many phones it reached', async () => {
    const [e] = await actionsOf(() => t.pub.resetPhones([PHONE]));
    expect(e).toMatchObject({
      action: 'reset-phones',
      target: PHONE,
      outcome: 'done',
      detail: 'Reset sent to 0 device(s)',
    });
  });
});
