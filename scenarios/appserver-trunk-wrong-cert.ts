/**
 * Seed 000, second finding: "the application server is presenting a certificate that is different from
 * the one you attached in the email and it does not have certificate sign". The administrator uploaded a
 * good certificate to CallManager-trust, but the Java key store still presents the old one, so CUCM
 * refuses the handshake. Presenting the uploaded certificate fixes it.
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
    'The certificate was uploaded to CallManager-trust without complaint, yet the secure SIP trunk still fails: CUCM logs "HandleSSLError - TLS protocol error(...)" and the application logs a fatal TLS alert.',
  rootCause:
    "The certificate the application presents in the TLS handshake is not the one that was uploaded (a packet capture shows a different serial and issuer): the application's key store still holds its old self-signed certificate, which is not in CallManager-trust.",
  fix: "Make the application present the certificate that was uploaded (load it and its key into the application's TLS key store), or upload the one it actually presents (after regenerating it with keyCertSign).",
  variants: {
    fault: {
      explain:
        'A good certificate (with keyCertSign) is uploaded, but the TLS stack presents the old BouncyCastle certificate.',
      params: { presentUploaded: false },
    },
    fix: {
      explain: 'The uploaded certificate is loaded into the application key store before the trunk opens.',
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
            'HandleSSLError - TLS protocol error(ssl reason code=block type is not 01 [106]),lib=rsa routines [4],fun=RSA_padding_check_PKCS1_type_1 [112], errno=12 for',
            "CUCM's SDL trace, word for word as in seed 000: the presented certificate names the uploaded one as its issuer (same subject, no keyCertSign so not self-signed to OpenSSL), and its signature does not verify with the uploaded certificate's RSA key.",
          ),
          expectLog(
            'apas',
            'javax.net.ssl.SSLHandshakeException: Received fatal alert: decrypt_error',
            'OpenSSL answers a certificate signature failure with decrypt_error; the Java application receives that fatal alert (through the alert side channel).',
          ),
        ]),
  ],
});
