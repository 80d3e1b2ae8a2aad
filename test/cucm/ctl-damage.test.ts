/**
 * A damaged CTLFile.tlv on a node's TFTP (a lab fault, devices/cucm/node.ts `damageCtl`): `show ctl`
 * reports it as seed 002 says, and the next CTL update serves a whole file again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CucmLab, startCucmLab } from './support.ts';

let t: CucmLab;

beforeAll(async () => {
  t = await startCucmLab('cucm-ctl-damage', { mixedMode: 'tokenless' });
});
afterAll(async () => {
  await t?.stop();
});

describe('a damaged CTL on TFTP', () => {
  it('show ctl ends with "Verification of the CTL File Failed" once one byte of the file changed', async () => {
    expect(await t.pub.exec('show ctl')).toContain('The CTL file was verified successfully.');
    expect(t.pub.damageCtl(-1)).toBe(true);
    const out = await t.pub.exec('show ctl');
    expect(out).toContain('Verification of the CTL File Failed');
    expect(out).not.toContain('Error parsing the CTL File.');
  });

  it('utils ctl update CTLFile serves a whole file again', async () => {
    await t.pub.exec('utils ctl update CTLFile');
    expect(await t.pub.exec('show ctl')).toContain('The CTL file was verified successfully.');
  });

  it('refuses a byte outside the file', () => {
    expect(t.pub.damageCtl(1_000_000)).toBe(false);
  });
});
