/**
 * What TFTP serves as a phone's encrypted config (`SEP<MAC>.cnf.xml.enc.sgn`) across cluster changes.
 * An encryption is new bytes every time (a fresh key and IV, docs/reference/config-files.md §3), so
 * CUCM's TFTP keeps the file it built, with its date and bytes, for as long as what it encrypts is the
 * same: the same config plaintext, to the same certificate. A phone then sees the same file, and
 * `file list tftp ... detail` the same date. A new recipient certificate (an LSC from CAPF) is a new file.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openSgn } from '../../certs/sgn.ts';
import type { CucmNodeDevice } from '../../devices/cucm/node.ts';
import { type CucmLab, issueLsc, issueMic, issueUntrusted, MAC, PHONE, startCucmLab } from './support.ts';

const ENC = `${PHONE}.cnf.xml.enc.sgn`;
const OTHER = 'SEPAABBCCDDEEFF';
let t: CucmLab;

beforeAll(async () => {
  t = await startCucmLab('cucm-enc-config-dates', {
    phones: [
      { name: PHONE, model: 'CP-8861', protocol: 'SIP', security: 'encrypted', tftpEncryptedConfig: true },
      { name: OTHER, model: 'CP-8845', protocol: 'SIP', security: 'authenticated', line: '1002' },
    ],
  });
  // As CAPF's authentication of the phone leaves it (capf-server.ts): CUCM knows the phone's MIC.
  const record = t.pub.cluster.phone(PHONE);
  if (!record) throw new Error(`${PHONE} is not configured`);
  record.mic = (await issueMic(t.pub, MAC)).cert;
  t.pub.cluster.changed('test: the phone authenticated to CAPF with its MIC');
});
afterAll(async () => {
  await t?.stop();
});

function served(node: CucmNodeDevice, name = ENC): { bytes: Buffer; modified: number } {
  const f = node.tftpFiles.get(name);
  if (!f) throw new Error(`${name} is not served`);
  return f;
}

/** Lets the lab clock (the wall clock, emulator/clock.ts) move past `ms`, so a rebuilt file would show a new date. */
async function clockPast(ms: number): Promise<void> {
  while (Date.now() <= ms + 1) await new Promise((r) => setImmediate(r));
}

it('keeps the encrypted config, bytes and date, across a cluster change that does not touch it', async () => {
  const before = served(t.pub);
  await clockPast(before.modified);
  const upload = t.pub.uploadTrust('tomcat-trust', (await issueUntrusted('AABBCCDDEEFF')).certPem);
  expect(upload.ok).toBe(true);
  const after = served(t.pub);
  expect(after.modified).toBe(before.modified);
  expect(after.bytes.equals(before.bytes)).toBe(true);
});

it('builds a new encrypted config, with a new date, once the phone has an LSC to encrypt it to', async () => {
  const before = served(t.pub);
  await clockPast(before.modified);
  const record = t.pub.cluster.phone(PHONE);
  if (!record) throw new Error(`${PHONE} is not configured`);
  record.lsc = (await issueLsc(t.pub, MAC)).cert;
  t.pub.cluster.changed('test: CAPF issued the phone an LSC');
  const after = served(t.pub);
  expect(after.modified).toBeGreaterThan(before.modified);
  expect(after.bytes.equals(before.bytes)).toBe(false);
});

it('signs a signed config anew with the new CallManager certificate, and keeps its unchanged plain config', async () => {
  const plainBefore = served(t.pub, `${OTHER}.cnf.xml`);
  await clockPast(plainBefore.modified);
  const regenerated = await t.pub.regenerate('CallManager');
  expect(regenerated.ok).toBe(true);
  const signed = openSgn(
    served(t.pub, `${OTHER}.cnf.xml.sgn`).bytes,
    t.pub.certs.own('CallManager').identity.cert,
  );
  expect(signed.ok ? 'verifies with the new CallManager certificate' : signed.error.message).toBe(
    'verifies with the new CallManager certificate',
  );
  expect(served(t.pub, `${OTHER}.cnf.xml`).modified).toBe(plainBefore.modified);
});

it("builds the phone's files anew, with a new version stamp, when its configuration changes", async () => {
  const stamp = () =>
    /<versionStamp>([^<]+)<\/versionStamp>/.exec(served(t.pub, `${OTHER}.cnf.xml`).bytes.toString())?.[1];
  const before = { signed: served(t.pub, `${OTHER}.cnf.xml.sgn`), stamp: stamp() };
  await clockPast(before.signed.modified);
  // System > Server: the node is now named by its address, as every phone's CallManager group says.
  const renamed = await t.pub.exec(
    `run sql update processnode set name = '${t.pub.address}' where name = 'cucm-pub'`,
  );
  expect(renamed.trim()).toBe('Rows: 1');
  const after = served(t.pub, `${OTHER}.cnf.xml.sgn`);
  expect(after.modified).toBeGreaterThan(before.signed.modified);
  expect(stamp()).not.toBe(before.stamp);
});
