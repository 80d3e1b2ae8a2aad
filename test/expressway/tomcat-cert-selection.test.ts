/**
 * Which of tomcat / tomcat-ECDSA the CUCM model's Tomcat presents to a real OpenSSL client (seed 004):
 * the certificate choice the Expressway's origin verification meets.
 */
import { describe, expect } from 'vitest';
import { itWithPeers, run } from '../support/peers.ts';
import { cucmNode, startLab } from './support.ts';

async function cucmLab(name: string, cipherSelection8443: 'client' | 'server') {
  const lab = await startLab(name, [cucmNode({ tomcatCipherSelection: { '8443': cipherSelection8443 } })]);
  return lab.fabric.addressOf('cucm');
}

async function presentedSubject(addr: string, port: number, cipher: string): Promise<string> {
  const r = await run(
    'openssl',
    [
      's_client',
      '-connect',
      `${addr}:${port}`,
      '-tls1_2',
      '-cipher',
      cipher,
      '-servername',
      'cucm.lab.example',
    ],
    { input: 'Q\n' },
  );
  return /subject=([^\n]*)/.exec(r.stdout)?.[1] ?? `(no certificate) ${r.stderr}`;
}

const ECDSA_FIRST = 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384';
const RSA_FIRST = 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384';

describe('CUCM Tomcat certificate selection', () => {
  itWithPeers(
    ['openssl'],
    '6972 presents tomcat-ECDSA to an ECDSA-first client and tomcat to an RSA-first client',
    async () => {
      const addr = await cucmLab('tomcat-6972', 'server');
      expect(await presentedSubject(addr, 6972, ECDSA_FIRST)).toContain('CN = cucm-EC.lab.example');
      expect(await presentedSubject(addr, 6972, RSA_FIRST)).toContain('CN = cucm.lab.example');
    },
  );

  itWithPeers(
    ['openssl'],
    '8443 follows the client cipher order when configured to, giving EC vs RSA',
    async () => {
      const addr = await cucmLab('tomcat-8443-client', 'client');
      expect(await presentedSubject(addr, 8443, ECDSA_FIRST)).toContain('CN = cucm-EC.lab.example');
      expect(await presentedSubject(addr, 8443, RSA_FIRST)).toContain('CN = cucm.lab.example');
    },
  );

  itWithPeers(
    ['openssl'],
    '8443 keeps the RSA tomcat certificate for an ECDSA-first client by default (seed 004)',
    async () => {
      const addr = await cucmLab('tomcat-8443-server', 'server');
      expect(await presentedSubject(addr, 8443, ECDSA_FIRST)).toContain('CN = cucm.lab.example');
    },
  );

  itWithPeers(['curl'], 'curl gets the UDS version over 8443', async () => {
    const addr = await cucmLab('tomcat-curl', 'client');
    const r = await run('curl', [
      '-sk',
      '--tlsv1.2',
      '--ciphers',
      ECDSA_FIRST,
      `https://${addr}:8443/cucm-uds/version`,
    ]);
    expect(r.stdout).toContain('<versionInformation');
  });
});
