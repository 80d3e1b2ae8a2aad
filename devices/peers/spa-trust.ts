/**
 * The SPA firmware's own check of the provisioning server's certificate (layer two of architecture
 * decision 3), as a pure function of the firmware row and the handshake. SPA 7.5.x links OpenSSL 0.9.8
 * initialised with SSL_library_init(), which registers no SHA-2 digest (seed 001): a
 * sha256WithRSAEncryption signature anywhere below the trust anchor cannot be verified, X509_verify
 * fails and the chain gets X509_V_ERR_CERT_SIGNATURE_FAILURE. OpenSSL's ssl_verify_alarm_type maps
 * that error to SSL_AD_DECRYPT_ERROR, so the alert the phone sends is decrypt_error(51), not
 * bad_certificate or unsupported_certificate.
 */
import type { X509Certificate } from 'node:crypto';
import { x509 } from '../../certs/x509.ts';
import type { Handshake, TrustVerdict } from '../../emulator/fabric.ts';
import { alert, alertForVerifyError } from '../../emulator/tls-alerts.ts';
import { acceptsSignatureHash, type FirmwareProfile } from '../phone/firmware-profiles.ts';

/** The signature hash of a certificate, lower case without dash (`sha1`, `sha256`, ...). */
export function signatureHashOf(cert: X509Certificate): string {
  const alg = new x509.X509Certificate(cert.raw).signatureAlgorithm as { hash?: { name?: string } };
  return (alg.hash?.name ?? 'unknown').toLowerCase().replace('-', '');
}

export function verifyProvisioningServer(
  firmware: FirmwareProfile,
  h: Pick<Handshake, 'peerChain' | 'chainError'>,
): TrustVerdict {
  const leaf = h.peerChain[0];
  if (!leaf)
    return { accepted: false, reason: 'the server sent no certificate', alert: alert('handshake_failure') };
  // Every certificate but a self-signed anchor has its signature checked.
  for (const c of h.peerChain) {
    if (c.subject === c.issuer && c.checkIssued(c)) continue;
    const hash = signatureHashOf(c);
    if (!acceptsSignatureHash(firmware, hash)) {
      return {
        accepted: false,
        reason: `certificate signature failure: ${c.subject.replace(/\n/g, ', ')} is signed with ${hash.toUpperCase()}, firmware ${firmware.loadName} verifies ${firmware.serverCertHashes}`,
        alert: alert('decrypt_error'),
      };
    }
  }
  if (h.chainError) {
    return {
      accepted: false,
      reason: `server certificate not trusted: ${h.chainError}`,
      alert: alertForVerifyError(h.chainError),
    };
  }
  return { accepted: true, reason: `server certificate ${leaf.subject.replace(/\n/g, ', ')} trusted` };
}
