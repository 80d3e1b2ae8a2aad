/**
 * Seed 000: an application server (ANDTEK APAS, Java) opens a secure SIP trunk to CUCM with a
 * self-signed certificate that lacks keyCertSign. CUCM will not take it as a trust certificate, so the
 * server's certificate never chains to CallManager-trust and the TLS trunk fails with CUCM's SDL line
 * `HandleSSLError - TLS protocol error(...)`. Regenerating the certificate with keyCertSign fixes it.
 */
import { AppServer } from '../devices/peers/app-server.ts';
import { act, defineScenario, expectLog, expectNoLog, expectThat } from '../emulator/scenario.ts';
import { trunkLab, uploadOutcome, uploadToCallManagerTrust } from './kits/appserver.ts';

interface Params {
  regenerate: boolean;
}

export default defineScenario<Params>({
  id: 'appserver-trunk-no-certsign',
  title: "An application server's self-signed certificate without keyCertSign breaks its SIP/TLS trunk",
  seed: '000',
  tags: ['peers', 'cucm', 'sip', 'tls', 'trunk'],
  symptom:
    'The secure SIP trunk from the application server never comes up; CUCM traces show "HandleSSLError - TLS protocol error(...)" and the application logs a fatal TLS alert.',
  rootCause:
    'The application generated its self-signed certificate (BouncyCastle) with key usage digitalSignature and keyEncipherment only. A self-signed certificate is its own trust anchor and must carry keyCertSign (Certificate Sign) to be accepted in CallManager-trust; without it, it cannot be a trust certificate, so the certificate presented on 5061 chains to nothing CUCM trusts.',
  fix: 'Regenerate the application server certificate with keyCertSign (openssl req -x509 ... with keyUsage including keyCertSign, or keytool -ext KeyUsage=digitalSignature,keyEncipherment,keyCertSign), upload it to CallManager-trust, and present it.',
  variants: {
    fault: {
      explain: "The application server keeps seed 000's certificate: self-signed, no keyCertSign.",
      params: { regenerate: false },
    },
    fix: {
      explain: 'The certificate is regenerated with keyCertSign before it is uploaded to CUCM.',
      params: { regenerate: true },
    },
  },
  lab: () => trunkLab({ certificate: 'no-keycertsign' }),
  steps: (v) => [
    ...(v.params.regenerate
      ? [
          act(
            'The application server regenerates its certificate with keyCertSign',
            'The fix: a self-signed certificate that may act as its own trust anchor.',
            async (lab) => {
              await lab.device('apas', AppServer).regenerate({ keyCertSign: true });
            },
          ),
        ]
      : []),
    act(
      'The administrator uploads the application server certificate to CallManager-trust',
      'OS Administration > Certificate Management > Upload Certificate, purpose CallManager-trust.',
      async (lab) => {
        await uploadToCallManagerTrust(lab, lab.device('apas', AppServer).exportCertificate());
      },
    ),
    expectThat(
      v.params.regenerate
        ? 'CUCM accepts the trust certificate'
        : 'CUCM refuses the trust certificate (no keyCertSign)',
      v.params.regenerate
        ? 'With keyCertSign the self-signed certificate is a valid trust anchor.'
        : 'CUCM rule: a self-signed or CA certificate without Certificate Sign cannot be a trust certificate.',
      async (lab) => {
        const upload = uploadOutcome(lab);
        const refused = upload !== 'uploaded';
        return { held: refused !== v.params.regenerate, saw: upload ?? 'no upload happened' };
      },
    ),
    act(
      'The application server opens the SIP trunk over TLS and sends OPTIONS',
      'Port 5061, mutual TLS with its own certificate.',
      async (lab) => {
        await lab.device('apas', AppServer).openTrunk();
      },
    ),
    ...(v.params.regenerate
      ? [
          expectLog(
            'apas',
            'OPTIONS answered SIP/2.0 200 OK',
            'The trunk is up: CUCM verified the certificate against CallManager-trust.',
          ),
          expectNoLog('cucm-pub', 'HandleSSLError', 'CUCM logs no TLS error for the trunk.'),
        ]
      : [
          expectLog(
            'cucm-pub',
            'HandleSSLError - TLS protocol error(ssl reason code=certificate verify failed [134]),lib=SSL routines [20],fun=ssl3_get_client_certificate [137], errno=18 for',
            "CUCM's SDL trace (seed 000's HandleSSLError) with this fault's own reason: nothing in CallManager-trust carries the certificate's name, so OpenSSL stops at the self-signed leaf (X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, errno 18), not at a signature check.",
          ),
          expectNoLog(
            'cucm-pub',
            'block type is not 01',
            "Not seed 000's RSA trace: that comes from the later stage of the case, with a good certificate and a faulty client stack (appserver-trunk-client-stack).",
          ),
          expectLog(
            'apas',
            'javax.net.ssl.SSLHandshakeException: Received fatal alert: unknown_ca',
            'CUCM answers an untrusted self-signed certificate with unknown_ca; the Java application logs that fatal alert.',
          ),
        ]),
  ],
});
