import { describe, expect } from 'vitest';
import { itWithPeers, run } from '../support/peers.ts';
import { startCucmLab } from './support.ts';

const ECDSA_FIRST = 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384';

async function presentedKey(addr: string, port: number): Promise<string> {
  const r = await run(
    'openssl',
    ['s_client', '-connect', `${addr}:${port}`, '-tls1_2', '-cipher', ECDSA_FIRST],
    {
      input: '',
    },
  );
  // The negotiated suite names the certificate type: ECDHE-ECDSA-... needs the EC tomcat-ECDSA.
  const suite = /Cipher is (\S+)/.exec(r.stdout)?.[1] ?? '';
  return suite.includes('ECDSA') ? 'EC' : suite.includes('RSA') ? 'RSA' : `none (${suite})`;
}

describe('Tomcat certificate choice per port, from the CUCM declaration', () => {
  itWithPeers(
    ['openssl'],
    'by default 8443 keeps RSA first and 6972 follows an ECDSA-first client',
    async () => {
      const t = await startCucmLab('tomcat-default');
      try {
        expect(await presentedKey(t.pub.address, 8443)).toBe('RSA');
        expect(await presentedKey(t.pub.address, 6972)).toBe('EC');
      } finally {
        await t.stop();
      }
    },
  );

  itWithPeers(
    ['openssl'],
    "tomcatCipherSelection 8443: 'client' makes 8443 follow the client too",
    async () => {
      const t = await startCucmLab('tomcat-client', { tomcatCipherSelection: { '8443': 'client' } });
      try {
        expect(await presentedKey(t.pub.address, 8443)).toBe('EC');
      } finally {
        await t.stop();
      }
    },
  );
});
