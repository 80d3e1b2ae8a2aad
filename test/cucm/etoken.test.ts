/**
 * An eToken cluster's CTL changes only with a token of the current CTL (seed 002 line 950: "you'll
 * need the security tokens to return from a mixed-mode to a non-secure mode. For any change ...
 * requires the use of eTokens"), and a token self-destructs after 15 failed passwords (line 64).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseTrustList } from '../../certs/ctl.ts';
import type { LabEvent } from '../../emulator/events.ts';
import { type CucmLab, startCucmLab } from './support.ts';

const PASSWORD = 'Cisco123';
let t: CucmLab | undefined;

afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function etokenLab(name: string): Promise<CucmLab> {
  t = await startCucmLab(name, { mixedMode: 'etoken', etokenPassword: PASSWORD });
  return t;
}

function ctlSignerSerial(lab: CucmLab): string {
  const bytes = lab.pub.tftpFiles.ctl()?.bytes;
  if (!bytes) throw new Error('no CTL');
  const r = parseTrustList(bytes, { kind: 'CTL' });
  if (!r.ok) throw new Error(r.error.message);
  return Buffer.from(r.value.signer.serial).toString('hex').replace(/^0+/, '');
}

function lastAction(lab: CucmLab): LabEvent<'cucm.admin-action'> {
  const e = lab.lab.timeline.ofKind('cucm.admin-action', 'cucm-pub').at(-1);
  if (!e) throw new Error('no cucm.admin-action');
  return e;
}

describe('eToken cluster: the CTL changes only with a Security Token', () => {
  it('refuses utils ctl update CTLFile without a token, with the seed 002 reason', async () => {
    const lab = await etokenLab('etoken-cli-update');
    const out = await lab.pub.exec('utils ctl update CTLFile');
    expect(out).toMatch(/^Executed command unsuccessfully\n/);
    expect(out).toContain('any change to the CTL file requires the use of eTokens');
    expect(lastAction(lab)).toMatchObject({
      action: 'ctl-update',
      outcome: 'refused',
      code: 'etoken.required',
    });
  });

  it('refuses leaving mixed mode without a token; the cluster stays in mixed mode', async () => {
    const lab = await etokenLab('etoken-cli-nonsecure');
    const out = await lab.pub.exec('utils ctl set-cluster non-secure-mode');
    expect(out).toMatch(/^Executed command unsuccessfully\n/);
    expect(lastAction(lab)).toMatchObject({
      action: 'non-secure-mode',
      outcome: 'refused',
      code: 'etoken.required',
    });
    expect(lab.pub.describe().mixedMode).toBe('etoken');
  });

  it('leaves mixed mode with a token of the CTL and its password', async () => {
    const lab = await etokenLab('etoken-nonsecure-token');
    const r = lab.pub.setNonSecure({ token: 2, password: PASSWORD });
    expect(r.ok).toBe(true);
    expect(lab.pub.describe().mixedMode).toBe('none');
  });

  it('updates the CTL with the backup token, which then signs it', async () => {
    const lab = await etokenLab('etoken-backup-signs');
    const before = ctlSignerSerial(lab);
    const r = lab.pub.updateCtl({ token: 2, password: PASSWORD });
    expect(r.ok).toBe(true);
    const backup = lab.pub.cluster.etokens[1]?.cert.serialNumber.replace(/^0+/, '').toLowerCase();
    expect(ctlSignerSerial(lab)).toBe(backup);
    expect(ctlSignerSerial(lab)).not.toBe(before);
  });

  it('refuses a token the current CTL does not list', async () => {
    const lab = await etokenLab('etoken-not-in-ctl');
    const r = lab.pub.updateCtl({ token: 3, password: PASSWORD });
    expect(r.ok ? 'updated' : r.error.code).toBe('etoken.not-in-ctl');
  });

  it('counts down the attempts on a wrong password, and a right one resets the count', async () => {
    const lab = await etokenLab('etoken-countdown');
    const first = lab.pub.updateCtl({ token: 1, password: 'wrong' });
    expect(first.ok ? 'updated' : first.error.message).toContain(
      'only 14 more attempts are allowed before the token is permanently locked',
    );
    expect(lab.pub.updateCtl({ token: 1, password: PASSWORD }).ok).toBe(true);
    const again = lab.pub.updateCtl({ token: 1, password: 'wrong' });
    expect(again.ok ? 'updated' : again.error.message).toContain('only 14 more attempts');
  });

  it('locks the token for good after 15 failed passwords, even for the right one', async () => {
    const lab = await etokenLab('etoken-lockout');
    const codes: string[] = [];
    for (let i = 0; i < 15; i++) {
      const r = lab.pub.updateCtl({ token: 1, password: `wrong-${i}` });
      codes.push(r.ok ? 'updated' : r.error.code);
    }
    expect(codes.slice(0, 14).every((c) => c === 'etoken.bad-password')).toBe(true);
    expect(codes[14]).toBe('etoken.locked');
    const right = lab.pub.updateCtl({ token: 1, password: PASSWORD });
    expect(right.ok ? 'updated' : right.error.code).toBe('etoken.locked');
    // The backup token still works (seed 002 line 60).
    expect(lab.pub.updateCtl({ token: 2, password: PASSWORD }).ok).toBe(true);
  });
});
