/**
 * Jabber's CSF device configuration (`CSF<USER>.cnf.xml`) comes from the TFTP service, so TFTP (69),
 * HTTP 6970 and Tomcat's HTTPS 6972 serve the same bytes for an end user's CSF device.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itWithPeers, run } from '../support/peers.ts';
import { type CucmLab, startCucmLab } from './support.ts';

let t: CucmLab;

beforeAll(async () => {
  t = await startCucmLab('cucm-csf', { users: [{ id: 'emusk', devices: ['CSFEMUSK'] }] });
});
afterAll(async () => {
  await t?.stop();
});

async function curl(url: string, file: string): Promise<Buffer> {
  const out = join(t.dir, file);
  const r = await run('curl', ['-s', '-k', '--max-time', '10', '-o', out, '-w', '%{http_code}', url]);
  expect(r.code).toBe(0);
  return readFileSync(out);
}

describe("an end user's CSF device configuration", () => {
  itWithPeers(['curl'], 'TFTP, HTTP 6970 and HTTPS 6972 serve the same CSF<USER>.cnf.xml', async () => {
    const name = 'CSFemusk.cnf.xml';
    const tftp = await curl(`tftp://${t.pub.address}:${t.pub.tftpPort}/${name}`, 'csf-tftp.xml');
    const http = await curl(`http://${t.pub.address}:6970/${name}`, 'csf-6970.xml');
    const https = await curl(`https://${t.pub.address}:6972/${name}`, 'csf-6972.xml');
    expect(tftp.toString()).toContain('<name>CSFEMUSK</name>');
    expect(tftp.toString()).toContain('<processNodeName>cucm-pub</processNodeName>');
    expect(http.equals(tftp)).toBe(true);
    expect(https.equals(tftp)).toBe(true);
  });

  it('is listed by file list tftp and written to the artifacts; a CSF device of no user is not found', async () => {
    expect(await t.pub.exec('file list tftp *')).toMatch(/CSFEMUSK\.cnf\.xml$/m);
    const served = t.pub.tftpFiles.get('CSFEMUSK.cnf.xml')?.bytes;
    expect(
      readFileSync(join(t.dir, 'tftp', 'cucm-pub', 'CSFEMUSK.cnf.xml')).equals(served ?? Buffer.alloc(0)),
    ).toBe(true);
    expect(t.pub.tftpFiles.get('CSFNOBODY.cnf.xml')).toBeNull();
    const missing = await fetch(`http://${t.pub.address}:6970/CSFNOBODY.cnf.xml`);
    expect(missing.status).toBe(404);
  });
});
