/**
 * Seed 000, read oldest first: a new certificate made with openssl and the discussed options is
 * uploaded, and "the error remains the same" (line 392); the Wireshark trace shows why (line 330): "the
 * application server is presenting a certificate that is different from the one you attached in the
 * email and it does not have certificate sign". The Java key store still presents the old BouncyCastle
 * certificate (`C=Germany, L=Hallbergmoos, CN=...`, lines 332-374), which nothing in CallManager-trust
 * names, so CUCM refuses it exactly as it refused it before the upload. Presenting the uploaded
 * certificate, which has certificate sign, fixes it. The `block type is not 01` trace belongs to a later
 * stage of the case (appserver-trunk-client-stack), not to this one.
 */
import { AppServer } from '../devices/peers/app-server.ts';
import { act, defineScenario, expectLog, expectNoLog, expectThat } from '../emulator/scenario.ts';
import {
  APP_CN,
  presentedToCucm,
  showTrustedCertificate,
  trunkLab,
  trustedFingerprint,
  uploadToCallManagerTrust,
} from './kits/appserver.ts';

interface Params {
  presentUploaded: boolean;
}

export default defineScenario<Params>({
  id: 'appserver-trunk-wrong-cert',
  title: 'The application server presents a different certificate than the one uploaded to CUCM',
  seed: '000',
  tags: ['peers', 'cucm', 'sip', 'tls', 'trunk'],
  symptom:
    'The certificate was uploaded to CallManager-trust without complaint, yet the secure SIP trunk still fails with the same error as before the upload: CUCM logs "HandleSSLError - TLS protocol error(...)" and the application logs a fatal TLS alert.',
  rootCause:
    "The certificate the application presents in the TLS handshake is not the one that was uploaded (a packet capture shows a different serial, issuer and key usage, without certificate sign): the application's key store still holds its old self-signed BouncyCastle certificate, which is not in CallManager-trust.",
  fix: "Make the application present the certificate that was uploaded, the one with certificate sign (load it and its key into the application's TLS key store).",
  variants: {
    fault: {
      explain:
        'A good certificate (with keyCertSign) is uploaded, but the TLS stack presents the old BouncyCastle certificate.',
      params: { presentUploaded: false },
    },
    fix: {
      explain:
        'The uploaded certificate, with certificate sign, is loaded into the application key store before the trunk opens.',
      params: { presentUploaded: true },
    },
  },
  lab: () => trunkLab({ certificate: 'keycertsign', presents: 'other' }),
  steps: (v) => [
    act(
      'The administrator uploads the application server certificate to CallManager-trust',
      'The exported certificate has keyCertSign, so CUCM accepts it.',
      async (lab) => {
        const outcome = await uploadToCallManagerTrust(
          lab,
          lab.device('apas', AppServer).exportCertificate(),
        );
        if (outcome !== 'uploaded') throw new Error(`the upload was refused: ${outcome}`);
      },
    ),
    ...(v.params.presentUploaded
      ? [
          act(
            'The administrator loads the uploaded certificate into the application key store',
            'The fix: the TLS stack now presents the certificate CUCM trusts.',
            async (lab) => {
              lab.device('apas', AppServer).presentUploaded();
            },
          ),
        ]
      : []),
    act(
      'The application server opens the SIP trunk over TLS and sends OPTIONS',
      'Port 5061, mutual TLS with the certificate in its key store.',
      async (lab) => {
        await lab.device('apas', AppServer).openTrunk();
      },
    ),
    act(
      'The administrator looks the certificate up in CallManager-trust',
      'show cert list trust, then show cert trust <file> for the application server, beside a packet capture of the trunk handshake.',
      async (lab) => {
        await showTrustedCertificate(lab, APP_CN);
      },
    ),
    expectThat(
      v.params.presentUploaded
        ? 'CUCM received the certificate it holds in CallManager-trust'
        : 'CUCM received a different certificate than the one in CallManager-trust',
      'The handshake as CUCM saw it (a packet capture) next to "show cert trust": seed 000 found a different serial, issuer and key usage.',
      async (lab) => {
        const presented = presentedToCucm(lab, APP_CN);
        const trusted = trustedFingerprint(lab, APP_CN);
        if (!presented || !trusted)
          return {
            held: false,
            saw: `handshake: ${presented ? 'seen' : 'none'}; trust: ${trusted ?? 'none'}`,
          };
        const same = presented.sha256 === trusted;
        return {
          held: same === v.params.presentUploaded,
          saw: `presented serial ${presented.serial} ${same ? 'is' : 'is not'} the CallManager-trust certificate`,
        };
      },
    ),
    ...(v.params.presentUploaded
      ? [
          expectLog('apas', 'OPTIONS answered SIP/2.0 200 OK', 'The trunk is up.'),
          expectNoLog('cucm-pub', 'HandleSSLError', 'CUCM logs no TLS error for the trunk.'),
        ]
      : [
          expectLog(
            'cucm-pub',
            'HandleSSLError - TLS protocol error(ssl reason code=certificate verify failed [134]),lib=SSL routines [20],fun=ssl3_get_client_certificate [137], errno=18 for',
            'The same trace as before the upload (appserver-trunk-no-certsign; seed 000 line 392: "the error remains the same"): nothing in CallManager-trust names the presented certificate\'s issuer, so OpenSSL stops at the self-issued leaf (errno 18).',
          ),
          expectNoLog(
            'cucm-pub',
            'block type is not 01',
            "Not seed 000's RSA trace: that one comes from the later stage, once the right certificate is presented (appserver-trunk-client-stack).",
          ),
          expectLog(
            'apas',
            'javax.net.ssl.SSLHandshakeException: Received fatal alert: unknown_ca',
            'CUCM answers a certificate it cannot chain with unknown_ca; the Java application logs that fatal alert.',
          ),
        ]),
  ],
});
