/**
 * Seed 004, the other half of "the CA that signed the remote certificate is not trusted" (lines 149-151,
 * 199): CUCM's tomcat certificate is CA-signed, by a CA the Expressway-C's trusted CA list does not hold.
 * X14.2 verifies it on every MRA request and terminates with `depth=` above 0: "When the depth is
 * greater than 0, it means there is a certificate chain, signed by an unknown CA (from the
 * Expressway-C's point of view)". The fix (line 419): the CA chain that signed it in the trusted CA
 * list of every Expressway-C, or a certificate from a CA the Expressway-C already trusts.
 */
import { act, defineScenario, type Step } from '../emulator/scenario.ts';
import {
  CUCM,
  CUCM_FQDN,
  caCertificate,
  caSignCucmCertificate,
  expc,
  expectNoTrafficLine,
  expectSignIn,
  expectTrafficLine,
  jabberSignsIn,
  mraLab,
} from './kits/expressway.ts';

interface P {
  signer: 'other-ca' | 'enterprise-ca';
  trustSigner: boolean;
}

export default defineScenario<P>({
  id: 'x14-2-unknown-ca-chain',
  title: 'X14.2: CUCM tomcat signed by a CA the Expressway-C does not trust: verification fails at depth=1',
  seed: '004',
  tags: ['expressway', 'mra', 'cucm', 'x14.2', 'certificates'],
  symptom:
    'MRA login fails after the upgrade to X14.2; the Expressway-C logs "Core server certificate verification failed ... Error=self signed certificate in certificate chain ... depth=1" and answers 502 connect failed.',
  rootCause:
    "CUCM's tomcat certificate is signed by a CA (uclab-OTHER-CA) that is not in the Expressway-C trusted CA list. CUCM sends the chain up to that root, OpenSSL finds the chain's self-signed root untrusted one level above the server certificate: depth above 0 means an unknown CA, depth 0 a self-signed server certificate.",
  fix: 'Upload the root (and any intermediate) CA certificate that signed the CUCM certificate to the trusted CA list of every Expressway-C, or have the certificate signed by a CA the Expressway-C already trusts.',
  variants: {
    fault: {
      explain:
        'The CUCM administrator had tomcat signed by uclab-OTHER-CA; the Expressway-C trusts only the enterprise CA.',
      params: { signer: 'other-ca', trustSigner: false },
    },
    'fix-trust-ca': {
      explain: "uclab-OTHER-CA's certificate is appended to the Expressway-C trusted CA list.",
      params: { signer: 'other-ca', trustSigner: true },
    },
    'fix-known-ca': {
      explain: 'tomcat is signed by the enterprise CA the Expressway-C already trusts.',
      params: { signer: 'enterprise-ca', trustSigner: false },
    },
  },
  // Upgraded from X14.0: the RSA preference is kept, so 8443 and 6972 both present the RSA tomcat.
  lab: () => mraLab({ release: 'X14.2', upgradedFrom: 'X14.0' }),
  steps: (v) => {
    const steps: Step[] = [
      act(
        `The CUCM administrator has tomcat signed by ${v.params.signer === 'other-ca' ? 'uclab-OTHER-CA' : 'the enterprise CA'}`,
        'OS Administration > Certificate Management: Generate CSR for tomcat, the CA signs it, Upload Certificate/Certificate chain with the CA certificate (tomcat-trust) and restart Cisco Tomcat.',
        async (lab) => {
          await caSignCucmCertificate(lab, CUCM, 'tomcat', v.params.signer);
        },
      ),
    ];
    if (v.params.trustSigner) {
      steps.push(
        act(
          'Admin appends the uclab-OTHER-CA certificate to the Expressway-C trusted CA list',
          'Maintenance > Security > Trusted CA certificate > Append CA certificate (seed 004: "with the CA chain that signed this certificate (depth > 0)").',
          async (lab) => {
            const r = expc(lab).uploadTrust(await caCertificate(lab, 'other-ca'));
            if (!r.ok) throw new Error(r.error.message);
          },
        ),
      );
    }
    steps.push(jabberSignsIn());
    if (v.name === 'fault') {
      steps.push(
        expectTrafficLine(
          `[ET_NET 0] WARNING: Core server certificate verification failed for (${CUCM_FQDN}). Action=Terminate Error=self signed certificate in certificate chain server=${CUCM_FQDN}({ip}) depth=1`,
          "Seed 004's line with OpenSSL's text for this chain (M): the untrusted self-signed root sits at depth 1, above the server certificate.",
        ),
        expectNoTrafficLine(
          'depth=0',
          'Not the self-signed case of x14-2-ecdsa-self-signed-6972: the server certificate itself is CA-signed.',
        ),
        expectTrafficLine(
          `[ET_NET 0] ERROR: SSL connection failed for '${CUCM_FQDN}': error:1416F086:SSL routines:tls_process_server_certificate:certificate verify failed`,
          'The traffic server terminates the TLS handshake (seed 004 line 199).',
        ),
        expectTrafficLine('Msg="HTTP/1.1 502 connect failed"', 'The client gets 502 connect failed.'),
        expectSignIn(false, 'The UDS request failed, so the sign-in fails as the user sees it.'),
      );
    } else {
      steps.push(
        expectNoTrafficLine('Core server certificate verification failed', 'The chain verifies.'),
        expectTrafficLine(
          'Src-port="8443" Msg="HTTP/1.1 200 "',
          'CUCM answered 200 on 8443, as in seed 004.',
        ),
        expectSignIn(true, 'Jabber is signed in.'),
      );
    }
    return steps;
  },
});
