/**
 * Who signs the ITL a node serves, by CUCM release (devices/cucm/releases.ts; docs/reference/trust-files.md §1.6):
 * the publisher's ITLRecovery certificate from 12.0 on, the node's CallManager certificate before.
 * A phone holding an ITL verifies its successor with the signer it knows, so this decides whether
 * regenerating CallManager breaks the phones' trust (seed 003).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ciscoSubject } from '../../certs/cisco-dn.ts';
import { parseTrustList, verifyTrustList } from '../../certs/ctl.ts';
import type { CucmRelease } from '../../devices/cucm/releases.ts';
import { unwrap } from '../../emulator/result.ts';
import { type CucmLab, startCucmLab } from './support.ts';

const EXPECTED: [CucmRelease, 'CallManager' | 'ITLRecovery'][] = [
  ['11.5', 'CallManager'],
  ['12.5', 'ITLRecovery'],
  ['14', 'ITLRecovery'],
  ['15', 'ITLRecovery'],
];

describe.each(EXPECTED)('the ITL of a CUCM %s node', (release, signer) => {
  const other = signer === 'CallManager' ? 'ITLRecovery' : 'CallManager';
  let t: CucmLab;
  beforeAll(async () => {
    t = await startCucmLab(`cucm-itl-signer-${release.replace('.', '-')}`, { release });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it(`is signed by the ${signer} certificate, not by ${other}`, () => {
    const list = unwrap(parseTrustList(t.pub.tftpFiles.itl().bytes));
    const expected = t.pub.certs.own(signer).identity.cert;
    const wrong = t.pub.certs.own(other).identity.cert;
    expect(list.signer.name).toBe(ciscoSubject(expected));
    expect(verifyTrustList(list, [expected]).ok).toBe(true);
    expect(verifyTrustList(list, [wrong]).ok).toBe(false);
  });
});
