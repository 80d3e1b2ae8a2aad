/**
 * What an administrator does by hand between the boxes, for scenario steps: download the certificate a
 * server presents (as from the CUCM OS Administration page, or `openssl s_client -showcerts`), with the
 * cipher preference that decides which of tomcat / tomcat-ECDSA comes back. Over the wire, through the
 * fabric, from the named device's address.
 */
import { X509Certificate } from 'node:crypto';
import { toPem } from '../../certs/pem.ts';
import type { Fabric } from '../../emulator/fabric.ts';
import { cipherList } from './releases.ts';

export async function downloadPresentedCertificate(
  fabric: Fabric,
  fromDevice: string,
  target: { host: string; port: number },
  preference: 'rsa' | 'ecdsa' = 'ecdsa',
): Promise<{ pem: string; cert: X509Certificate } | null> {
  let leaf: X509Certificate | null = null;
  const r = await fabric.connectTls(
    fromDevice,
    target,
    { ciphers: cipherList(preference), maxVersion: 'TLSv1.2', servername: false },
    (h) => {
      leaf = h.peerChain[0] ?? null;
      // Only looking: close politely whatever it is.
      return { accepted: true, reason: 'certificate download' };
    },
  );
  if (r.ok) r.value.socket.destroy();
  const got = leaf as X509Certificate | null;
  return got ? { pem: toPem(got.raw, 'CERTIFICATE'), cert: new X509Certificate(got.raw) } : null;
}
