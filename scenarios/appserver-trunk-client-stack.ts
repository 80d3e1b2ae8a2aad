/**
 * Seed 000, the later stage of the case (read oldest first): the application server now presents the
 * certificate uploaded to CallManager-trust, with certificate sign, and still the trunk fails, the
 * error now "decrypt error" (line 312). TAC proves the certificate and key good with `openssl s_client
 * -connect ...:2443 -tls1 -cert ... -key ...` ("it worked fine", line 221) and is left with the
 * application's TLS library (line 224: Java 1.6 JSSE with BouncyCastle 1.44, lines 165-181); CUCM's
 * trace from that stage is the `block type is not 01` line (line 79). The case is still open at the
 * last mail (line 12). The scenario shows how an engineer tells a certificate fault from a client-stack
 * fault: the same files through another TLS client.
 */
import { AppServer } from '../devices/peers/app-server.ts';
import { act, defineScenario, expectLog, expectNoLog, expectThat } from '../emulator/scenario.ts';
import {
  tacOpensslTest,
  tacTestOutcome,
  trunkLab,
  uploadOutcome,
  uploadToCallManagerTrust,
} from './kits/appserver.ts';

interface Params {
  replaceStack: boolean;
}

const RSA_TRACE =
  'HandleSSLError - TLS protocol error(ssl reason code=block type is not 01 [106]),lib=rsa routines [4],fun=RSA_padding_check_PKCS1_type_1 [112], errno=12 for';

export default defineScenario<Params>({
  id: 'appserver-trunk-client-stack',
  title:
    "The certificate and key are good, the application's TLS stack is not: openssl s_client gets through",
  seed: '000',
  tags: ['peers', 'cucm', 'sip', 'tls', 'trunk'],
  symptom: `The application server presents the certificate uploaded to CallManager-trust, yet the secure SIP trunk fails: CUCM traces "${RSA_TRACE}" and the application reports "decrypt error"; openssl s_client with the same certificate and key completes its handshake with CUCM.`,
  rootCause:
    "Left open by the seed: TAC proved the certificate and private key good (openssl s_client with them \"worked fine\") and suspected the application's TLS stack, Java 1.6 JSSE with BouncyCastle 1.44; the thread ends with the case still under investigation. CUCM's trace names the RSA signature check (RSA_padding_check_PKCS1_type_1): the client's CertificateVerify signature does not verify with the public key of the certificate it presented.",
  fix: 'Not confirmed by the seed. What the evidence points at: a TLS stack that signs the handshake with the private key of the certificate it presents, as openssl s_client did with the same files.',
  variants: {
    fault: {
      explain:
        "The application's Java 1.6 / BouncyCastle stand-in presents the uploaded certificate but signs CertificateVerify with another key (the lab's mechanism for CUCM's trace; the seed never found the real defect). TAC's openssl s_client runs with the same certificate and key.",
      params: { replaceStack: false },
    },
    fix: {
      explain:
        "The trunk's TLS moves to a stack that signs with the certificate's own key (the lab's own TLS, as openssl s_client did); the seed does not say what ANDTEK changed.",
      params: { replaceStack: true },
    },
  },
  lab: () => trunkLab({ certificate: 'keycertsign', tlsStack: 'java16-bc' }),
  steps: (v) => [
    act(
      'The administrator uploads the application server certificate to CallManager-trust',
      'The certificate was made with keyCertSign (the earlier stage of the case), so CUCM accepts it.',
      async (lab) => {
        await uploadToCallManagerTrust(lab, lab.device('apas', AppServer).exportCertificate());
      },
    ),
    expectThat(
      'CUCM accepts the trust certificate',
      'The certificate is not the problem any more: it is in CallManager-trust and it is what the application presents.',
      async (lab) => {
        const upload = uploadOutcome(lab);
        return { held: upload === 'uploaded', saw: upload ?? 'no upload happened' };
      },
    ),
    ...(v.params.replaceStack
      ? [
          act(
            "The application's trunk moves to a TLS stack that signs with its certificate's key",
            "The lab's fix for its model: the same certificate and key, another TLS client.",
            async (lab) => {
              lab.device('apas', AppServer).replaceTlsStack();
            },
          ),
        ]
      : []),
    act(
      'The application server opens the SIP trunk over TLS and sends OPTIONS',
      'Port 5061, TLS 1.0 with client authentication (Java 1.6 speaks nothing newer).',
      async (lab) => {
        await lab.device('apas', AppServer).openTrunk();
      },
    ),
    ...(v.params.replaceStack
      ? [
          expectLog('apas', 'OPTIONS answered SIP/2.0 200 OK', 'The trunk is up.'),
          expectNoLog('cucm-pub', 'HandleSSLError', 'CUCM logs no TLS error for the trunk.'),
        ]
      : [
          expectLog(
            'cucm-pub',
            RSA_TRACE,
            "CUCM's SDL trace word for word as in seed 000 line 79: the RSA operation on the client's CertificateVerify signature, with the presented certificate's public key, does not give a PKCS#1 type 1 block (OpenSSL 1.0's first error; the seed's engineer read it as the pre-master secret, line 85, which is PKCS#1 type 2).",
          ),
          expectLog(
            'apas',
            'javax.net.ssl.SSLHandshakeException: Received fatal alert: decrypt_error',
            'OpenSSL answers a CertificateVerify that does not verify with decrypt_error, on the wire; JSSE words it so (seed 000 line 312: "decrypt error").',
          ),
          act(
            "TAC runs openssl s_client against CUCM with the application server's certificate and key",
            'openssl s_client -connect <cucm>:2443 -tls1 -cert AS_cert.pem -key AS_priv.key -msg, as in seed 000 line 218 (the real Debian binary; skipped with a notice where it is not installed).',
            async (lab) => {
              await tacOpensslTest(lab);
            },
          ),
          expectThat(
            'openssl s_client\'s handshake with the same certificate and key "worked fine"',
            'Seed 000 line 221: "This means that your certificate/private key is good", so what remains is the TLS library the application uses. CUCM accepted the certificate on 2443 and sent no alert.',
            async (lab) => tacTestOutcome(lab),
          ),
        ]),
  ],
});
