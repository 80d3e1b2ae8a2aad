/**
 * CUCM's TLS policy on its signalling ports (SCCP/TLS 2443, SIP/TLS 5061) and the device security-mode
 * decision, the two checks every registration passes (docs/reference/sccp-sip.md §1, §2).
 *
 * The listeners present the node's CallManager certificate, ask for the phone's LSC or MIC and check
 * it against CallManager-trust in two layers (architecture decision 3): OpenSSL's chain result, then
 * CUCM's rules here. A refusal records the alert an OpenSSL-based CUCM sends (certificate_expired(45),
 * unknown_ca(48), decrypt_error(51) for a signature failure, handshake_failure(40) for no certificate)
 * and logs the SDL line of seed 000: `HandleSSLError - TLS protocol error(ssl reason code=...)`.
 *
 * Device security mode (phone security profile): non-secure phones register on 2000/5060 only;
 * authenticated/encrypted phones on 2443/5061 only, with a certificate whose CN is `<model>-SEP<MAC>`
 * of that device (`admit`).
 */
import type { X509Certificate } from 'node:crypto';
import { sanEntries } from '../../certs/chain.ts';
import { certificateFields } from '../../certs/cisco-dn.ts';
import { commonName, subjectDn } from '../../certs/dn.ts';
import type { EventMap } from '../../emulator/events.ts';
import type {
  Fabric,
  Handshake,
  TlsConnection,
  TlsServerConfig,
  TrustVerdict,
} from '../../emulator/fabric.ts';
import { alert, alertForVerifyError } from '../../emulator/tls-alerts.ts';
import type { CertStore } from './cert-store.ts';
import type { Cluster, PhoneRecord } from './cluster.ts';
import type { CucmSignalling } from './events.ts';
import { opensslFirstError } from './openssl-verify.ts';
import type { ReleaseBehaviour } from './releases.ts';
import { securityModeOf } from './trust-files.ts';

/** OpenSSL 1.0 error numbers, as CUCM's SDL trace prints them (seed 000: `...[106]),lib=rsa routines [4],fun=... [112]`). */
const SSL_VERIFY_FAILED =
  'ssl reason code=certificate verify failed [134]),lib=SSL routines [20],fun=ssl3_get_client_certificate [137]';
/**
 * Seed 000, word for word: the RSA error OpenSSL leaves on the queue when a certificate's signature is
 * checked with a key that did not make it (RSA_padding_check_PKCS1_type_1: the "decrypted" signature
 * does not start 00 01). CUCM's HandleSSLError prints the first error of the queue, and `errno=12` as
 * the seed shows it.
 */
const SSL_RSA_WRONG_KEY =
  'ssl reason code=block type is not 01 [106]),lib=rsa routines [4],fun=RSA_padding_check_PKCS1_type_1 [112]';
const SSL_RSA_WRONG_KEY_ERRNO = 12;
const SSL_NO_CERT =
  'ssl reason code=peer did not return a certificate [199]),lib=SSL routines [20],fun=ssl3_get_client_certificate [137]';

/** X509_V_ERR numbers for `verify_cb ... cert verification errno=` (OpenSSL x509_vfy.h). */
const X509_ERRNO: Record<string, number> = {
  UNABLE_TO_GET_ISSUER_CERT: 2,
  CERT_SIGNATURE_FAILURE: 7,
  CERT_NOT_YET_VALID: 9,
  CERT_HAS_EXPIRED: 10,
  DEPTH_ZERO_SELF_SIGNED_CERT: 18,
  SELF_SIGNED_CERT_IN_CHAIN: 19,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 20,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 21,
  INVALID_CA: 24,
  INVALID_PURPOSE: 26,
};

export function cnOf(cert: X509Certificate): string {
  // Read from the DER (certs/cisco-dn.ts), not a full ASN.1 parse: every phone's TLS registration asks.
  const f = certificateFields(cert.raw);
  return (f.ok ? f.value.subject.find((a) => a.type === 'CN')?.value : commonName(subjectDn(cert))) ?? '';
}

/** `CP-8861-SEPB000B4BA0AEE` → `SEPB000B4BA0AEE` (LSC/MIC CN, docs/reference/capf.md §6). */
export function deviceNameFromCert(cert: X509Certificate): string | null {
  const m = /(SEP[0-9A-Fa-f]{12})$/.exec(cnOf(cert));
  return m?.[1]?.toUpperCase() ?? null;
}

export interface TlsPolicyHost {
  readonly fabric: Fabric;
  readonly cluster: Cluster;
  readonly release: ReleaseBehaviour;
  readonly certs: CertStore;
  log(source: string, text: string, level?: 'debug' | 'info' | 'warning' | 'error'): void;
  refused(e: EventMap['cucm.registration-refused']): void;
}

/** The outcome of the device-level checks: admitted, or the RegisterReject / 403 text and why. */
export type Admission = { ok: true } | { ok: false; text: string; reason: string };

export class TlsPolicy {
  constructor(private readonly h: TlsPolicyHost) {}

  /** The secure context of 2443 and 5061: it follows the CallManager certificate and CallManager-trust. */
  config(): TlsServerConfig {
    return {
      identities: [this.h.certs.tlsIdentity('CallManager')],
      trust: this.h.cluster.trust.pems('CallManager-trust'),
      requestCert: true,
      maxVersion: this.h.release.signallingMaxTls,
      // Legacy phones (79xx: TLS 1.0, SHA-1, 1024-bit) are part of the model (firmware profiles).
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
      honorCipherOrder: false,
    };
  }

  /** A handshake that failed before any verdict (OpenSSL's own refusal). */
  failed(protocol: CucmSignalling, message: string, code?: string): void {
    // A client's CertificateVerify that does not verify with its certificate's key: OpenSSL 3 reports
    // RSA_padding_check_PKCS1_type_1 (`invalid padding` or `block type is not 01`); CUCM's OpenSSL 1.0
    // queue starts with seed 000's line 79.
    if (code === 'ERR_SSL_INVALID_PADDING' || code === 'ERR_SSL_BLOCK_TYPE_IS_NOT_01') {
      this.h.log(
        'ccm',
        `HandleSSLError - TLS protocol error(${SSL_RSA_WRONG_KEY}, errno=${SSL_RSA_WRONG_KEY_ERRNO} for`,
        'error',
      );
      this.h.refused({ deviceName: null, protocol, transport: 'tls', reason: 'CertificateVerify signature' });
      return;
    }
    this.h.log('ccm', `HandleSSLError - TLS protocol error(ssl reason code=${message})`, 'error');
    this.h.refused({ deviceName: null, protocol, transport: 'tls', reason: message });
  }

  /** CUCM's own rules on the phone's (or trunk peer's) certificate: layer two of decision 3. */
  verify(hs: Handshake, protocol: CucmSignalling): TrustVerdict {
    const leaf = hs.peerChain[0];
    const peer = `${hs.remote.address}:${hs.remote.port}`;
    if (!leaf) {
      this.h.log('ccm', `HandleSSLError - TLS protocol error(${SSL_NO_CERT}, errno=0 for ${peer}`, 'error');
      this.h.refused({ deviceName: null, protocol, transport: 'tls', reason: 'no client certificate' });
      return { accepted: false, reason: 'the peer sent no certificate', alert: alert('handshake_failure') };
    }
    // The first error OpenSSL meets, not the last one Node reports (openssl-verify.ts): it decides
    // the alert and the errno CUCM logs.
    const first = hs.chainError
      ? (opensslFirstError(hs.peerChain, this.h.cluster.trust.certs('CallManager-trust'), Date.now()) ?? {
          code: hs.chainError,
          depth: 0,
        })
      : null;
    if (first) {
      const errno = X509_ERRNO[first.code] ?? 0;
      this.h.log(
        'ccm',
        `SdlSSLTCPListener::verify_cb pre-verified=0,cert verification errno=${errno},depth=${first.depth}`,
        'debug',
      );
      const rsaWrongKey =
        first.code === 'CERT_SIGNATURE_FAILURE' && first.issuer?.publicKey.asymmetricKeyType === 'rsa';
      this.h.log(
        'ccm',
        rsaWrongKey
          ? `HandleSSLError - TLS protocol error(${SSL_RSA_WRONG_KEY}, errno=${SSL_RSA_WRONG_KEY_ERRNO} for ${peer}`
          : `HandleSSLError - TLS protocol error(${SSL_VERIFY_FAILED}, errno=${errno} for ${peer}`,
        'error',
      );
      this.h.refused({
        deviceName: deviceNameFromCert(leaf),
        protocol,
        transport: 'tls',
        reason: first.code,
      });
      return {
        accepted: false,
        reason: `${cnOf(leaf)}: ${first.code} against CallManager-trust`,
        // OpenSSL's ssl_verify_alarm_type sends decrypt_error for a signature failure (seed 000: "the
        // final decrypt error at server side"); emulator/tls-alerts.ts has no case for it.
        alert:
          first.code === 'CERT_SIGNATURE_FAILURE'
            ? alert('decrypt_error')
            : alertForVerifyError(first.code, hs.version),
      };
    }
    // A SIP trunk from an application server: the X.509 Subject Name of its SIP Trunk Security Profile.
    const host = this.h.fabric.hostAt(hs.remote.address);
    const trunk = this.h.cluster.sipTrunks.find((t) => {
      const r = this.h.fabric.resolve(t.destination);
      return (
        (r.ok && r.value === hs.remote.address) ||
        (host !== null && t.destination.toLowerCase() === host.toLowerCase())
      );
    });
    if (protocol === 'SIP' && trunk?.x509SubjectName) {
      const names = [cnOf(leaf), ...sanEntries(leaf).map((s) => s.value)].map((s) => s.toLowerCase());
      if (!names.includes(trunk.x509SubjectName.toLowerCase())) {
        this.h.log(
          'ccm',
          `SIPHandler: incoming TLS connection from ${peer} rejected: X.509 subject name ${cnOf(leaf)} does not match the SIP trunk security profile of ${trunk.name} (${trunk.x509SubjectName})`,
          'error',
        );
        this.h.refused({
          deviceName: trunk.name,
          protocol,
          transport: 'tls',
          reason: 'X.509 subject name mismatch',
        });
        return {
          accepted: false,
          reason: `X.509 subject name ${cnOf(leaf)} is not ${trunk.x509SubjectName}`,
          alert: alert('bad_certificate'),
        };
      }
    }
    this.h.log(
      'ccm',
      'SdlSSLTCPListener::verify_cb pre-verified=1,cert verification errno=0,depth=0',
      'debug',
    );
    return { accepted: true, reason: `${cnOf(leaf)} chains to CallManager-trust` };
  }

  /** The device-level checks common to SCCP and SIP. */
  admit(
    name: string,
    phone: PhoneRecord | undefined,
    transport: 'tcp' | 'tls',
    tls: TlsConnection | null,
  ): Admission {
    if (!phone)
      return {
        ok: false,
        text: 'Unknown Device',
        reason: `${name} is not configured (auto-registration is off)`,
      };
    const mode = securityModeOf(phone);
    if (transport === 'tcp' && mode !== 1) {
      return {
        ok: false,
        text: 'Security Mode Mismatch',
        reason: `${name} has device security mode ${mode} (${phone.decl.security}) and must register over TLS`,
      };
    }
    if (transport === 'tls') {
      if (mode === 1) {
        return {
          ok: false,
          text: 'Security Mode Mismatch',
          reason: `${name} is non-secure and must not register over TLS`,
        };
      }
      const leaf = tls?.handshake.peerChain[0];
      const certDevice = leaf ? deviceNameFromCert(leaf) : null;
      if (certDevice !== name) {
        return {
          ok: false,
          text: 'Device Name Mismatch',
          reason: `the certificate presented (${leaf ? cnOf(leaf) : 'none'}) is not the certificate of ${name}`,
        };
      }
    }
    return { ok: true };
  }
}
