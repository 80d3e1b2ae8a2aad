/**
 * Seed 000, second finding: "the application server is presenting a certificate that is different from
 * the one you attached in the email and it does not have certificate sign". The administrator uploaded a
 * good certificate to CallManager-trust, but the Java key store still presents the old one, so CUCM
 * refuses the handshake. Presenting the uploaded certificate fixes it.
 */
import { AppServer } from '../devices/peers/app-server.ts';
import { act, defineScenario, expectLog, expectNoLog, expectThat } from '../emulator/scenario.ts';
import { trunkLab, uploadToCallManagerTrust } from './_appserver-common.ts';

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
          lab.device('apas', AppServer).exportedCertificatePem,
        );
        if (outcome !== 'uploaded') throw new Error(`the upload was refused: ${outcome}`);
      },
    ),
    expectThat(
      v.params.presentUploaded
        ? 'The presented certificate is the uploaded one'
        : 'The presented certificate differs from the uploaded one',
      'What a packet capture of the handshake shows (seed 000: different serial, issuer and key usage).',
      async (lab) => {
        const app = lab.device('apas', AppServer);
        if (v.params.presentUploaded) app.presentUploaded();
        const same = app.presentedCertificatePem === app.exportedCertificatePem;
        return {
          held: same === v.params.presentUploaded,
          saw: same ? 'same certificate' : 'different certificates',
        };
      },
    ),
    act(
      'The application server opens the SIP trunk over TLS and sends OPTIONS',
      'Port 5061, mutual TLS with the certificate in its key store.',
      async (lab) => {
        await lab.device('apas', AppServer).openTrunk();
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
            'HandleSSLError - TLS protocol error(',
            "CUCM's SDL trace shows the refused handshake (seed 000).",
          ),
          expectLog(
            'apas',
            'javax.net.ssl.SSLHandshakeException: Received fatal alert: unknown_ca',
            'CUCM stops at the first verify error, as OpenSSL does: the presented self-signed certificate is not in CallManager-trust (DEPTH_ZERO_SELF_SIGNED_CERT), so it sends unknown_ca and the Java application receives that fatal alert (through the alert side channel).',
          ),
        ]),
  ],
});
