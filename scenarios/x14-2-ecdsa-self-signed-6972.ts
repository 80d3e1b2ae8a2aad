import { DEFAULT_CIPHERS, RSA_PREFERENCE_PREFIX } from '../devices/expressway/releases.ts';
import { act, byTrainee, defineScenario, type Step, solvedWhen } from '../emulator/scenario.ts';
import {
  CUCM_FQDN,
  downloadPresentedCertificate,
  expc,
  expectNoTrafficLine,
  expectSignIn,
  expectTrafficLine,
  jabberSignsIn,
  mraLab,
} from './kits/expressway.ts';

interface P {
  ecdsaSignedBy: 'self' | 'enterprise-ca';
  trustEc: boolean;
  rsaPrefix: boolean;
}

export default defineScenario<P>({
  id: 'x14-2-ecdsa-self-signed-6972',
  title: 'X14.2 prefers ECDSA: 6972 presents the self-signed tomcat-ECDSA and MRA login fails',
  seed: '004',
  tags: ['expressway', 'mra', 'cucm', 'x14.2'],
  symptom:
    'MRA login fails after the upgrade to X14.2. 8443 still answers 200, but the request for CSFemusk.cnf.xml on 6972 gets "502 connect failed" with "Core server certificate verification failed ... Error=self signed certificate ... depth=0".',
  rootCause:
    "X14.2 verifies every origin server and its default cipher list prefers ECDSA, so CUCM's 6972 presents tomcat-ECDSA, a self-signed certificate the Expressway-C does not trust (8443 keeps presenting the CA-signed RSA tomcat).",
  fix: 'Trust the tomcat-ECDSA certificate on Expressway-C, have it CA-signed, or prefix the cipher list with "ECDHE-RSA-AES256-GCM-SHA384:" to prefer RSA again.',
  variants: {
    fault: {
      explain:
        'tomcat is CA-signed (trusted), tomcat-ECDSA self-signed (not trusted); fresh X14.2 cipher list.',
      params: { ecdsaSignedBy: 'self', trustEc: false, rsaPrefix: false },
    },
    'fix-trust-ec': {
      explain: 'The self-signed tomcat-ECDSA certificate is uploaded to the Expressway-C trusted CA list.',
      params: { ecdsaSignedBy: 'self', trustEc: true, rsaPrefix: false },
    },
    'fix-ca-sign': {
      explain: 'tomcat-ECDSA is signed by the enterprise CA the Expressway-C already trusts.',
      params: { ecdsaSignedBy: 'enterprise-ca', trustEc: false, rsaPrefix: false },
    },
    'fix-rsa-prefix': {
      explain:
        'The cipher list is prefixed with ECDHE-RSA-AES256-GCM-SHA384: so CUCM presents the RSA tomcat on 6972 too.',
      params: { ecdsaSignedBy: 'self', trustEc: false, rsaPrefix: true },
    },
  },
  exercise: {
    task: 'On a freshly installed X14.2 Expressway-C, emusk cannot sign in to Jabber from outside (MRA): "Cannot communicate with the server." Requests on 8443 seem to work. Repair it from the Expressway-C console (uclab console expc); CUCM is uclab console cucm-pub.',
    solvedBy: 'fix-rsa-prefix',
    hints: [
      'Compare the traffic_server lines for 8443 and for 6972: which port fails, and what does the Expressway-C say of the certificate it got there (Error=..., depth=...)?',
      'CUCM has two certificates for HTTPS: tomcat (RSA, CA-signed) and tomcat-ECDSA (self-signed: show cert own tomcat-ECDSA). A fresh X14.2 prefers ECDSA ciphers, so on 6972 CUCM presents the self-signed one, which X14.2 now verifies.',
      'Make the Expressway-C prefer RSA again: prefix its cipher list with ECDHE-RSA-AES256-GCM-SHA384: (xConfiguration Ciphers shows the list; xConfiguration Ciphers UCServerDiscoveryTLSCiphers: "<the new list>" sets it). Trusting or CA-signing tomcat-ECDSA also works, but needs files, not just commands.',
    ],
  },
  lab: (v) =>
    mraLab({
      release: 'X14.2',
      certificates: {
        tomcat: { signedBy: 'enterprise-ca' },
        'tomcat-ECDSA': { signedBy: v.params.ecdsaSignedBy },
      },
    }),
  steps: (v) => {
    const steps: Step[] = [];
    if (v.params.trustEc) {
      steps.push(
        act(
          'Admin uploads tomcat-ECDSA to the Expressway-C trusted CA list',
          'Maintenance > Security > Trusted CA certificate: the self-signed cucm-pub-EC certificate (depth=0 means the certificate itself must be trusted).',
          async (lab) => {
            const pem = await downloadPresentedCertificate(
              lab,
              'expc',
              { host: CUCM_FQDN, port: 6972 },
              'ecdsa',
            );
            if (!pem) throw new Error('6972 presented no certificate');
            const r = expc(lab).uploadTrust(pem);
            if (!r.ok) throw new Error(r.error.message);
          },
        ),
      );
    }
    if (v.params.rsaPrefix) {
      steps.push(
        byTrainee(
          act(
            'Admin prefixes the cipher list with ECDHE-RSA-AES256-GCM-SHA384:',
            'Maintenance > Security > Ciphers (or xConfiguration Ciphers): RSA first again, so CUCM presents its RSA tomcat certificate on 6972.',
            async (lab) => {
              await expc(lab).exec(
                `xConfiguration Ciphers UCServerDiscoveryTLSCiphers: "${RSA_PREFERENCE_PREFIX}${DEFAULT_CIPHERS}"`,
              );
            },
          ),
        ),
      );
    }
    steps.push(solvedWhen(jabberSignsIn()));
    steps.push(
      solvedWhen(
        expectTrafficLine(
          'Detail="Receive Response"',
          'The UDS request on 8443 went through: Tomcat presented the CA-signed RSA tomcat certificate there.',
        ),
      ),
      solvedWhen(
        expectTrafficLine(
          'Src-port="8443" Msg="HTTP/1.1 200 "',
          'CUCM answered 200 on 8443, as in seed 004.',
        ),
      ),
    );
    if (v.name === 'fault') {
      steps.push(
        expectTrafficLine(
          `[ET_NET 0] WARNING: Core server certificate verification failed for (${CUCM_FQDN}). Action=Terminate Error=self signed certificate server=${CUCM_FQDN}({ip}) depth=0`,
          'On 6972 CUCM presented tomcat-ECDSA, self-signed: depth=0 means the certificate itself is not in the trust store.',
        ),
        expectTrafficLine(
          `[ET_NET 0] ERROR: SSL connection failed for '${CUCM_FQDN}': error:1416F086:SSL routines:tls_process_server_certificate:certificate verify failed`,
          'The TLS handshake to 6972 is terminated by the Expressway-C.',
        ),
        expectTrafficLine(
          'Msg="HTTP/1.1 502 connect failed"',
          'The traffic server answers 502 connect failed for CSFemusk.cnf.xml.',
        ),
        expectSignIn(
          false,
          'Without its configuration file Jabber cannot sign in: the user sees "Cannot communicate with the server."',
        ),
      );
    } else {
      steps.push(
        solvedWhen(
          expectNoTrafficLine(
            'Core server certificate verification failed',
            'Every origin certificate verified.',
          ),
        ),
        solvedWhen(expectNoTrafficLine('502 connect failed', 'No request failed.')),
        solvedWhen(
          expectSignIn(true, 'Jabber fetched its devices and its configuration over MRA and is signed in.'),
        ),
      );
    }
    return steps;
  },
});
