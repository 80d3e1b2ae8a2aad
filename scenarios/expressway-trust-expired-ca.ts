/**
 * Seed 003, "Troubleshooting: Certificate Expiry" (lines 513-553): the Expressway's Trusted CA
 * certificate page shows `Failed: Expired certificates or CRLs detected in trusted CA file`. Here the
 * list still holds a retired CA certificate that has expired; when the CUCM certificate is moved to a
 * new CA, the Expressway administrator's append of that CA fails, X14.2 cannot verify CUCM (seed 004:
 * depth=1) and MRA sign-in fails. Deleting the expired certificate first lets the append through.
 */
import { act, defineScenario, expectLog, expectNoLog, expectThat, type Step } from '../emulator/scenario.ts';
import {
  CUCM,
  CUCM_FQDN,
  caCertificate,
  caSignCucmCertificate,
  expc,
  expectSignIn,
  expectTrafficLine,
  jabberSignsIn,
  lastEvent,
  mraLab,
} from './kits/expressway.ts';

interface P {
  deleteExpired: boolean;
}

const EXPIRED = 'Failed: Expired certificates or CRLs detected in trusted CA file';

export default defineScenario<P>({
  id: 'expressway-trust-expired-ca',
  title: 'An expired CA in the Expressway-C trusted CA list blocks the upload of the CA that MRA needs',
  seed: '003',
  tags: ['expressway', 'mra', 'certificates', 'x14.2'],
  symptom: `Appending the new CA certificate on the Expressway-C's Trusted CA certificate page fails with "${EXPIRED}"; MRA sign-in fails with "Core server certificate verification failed ... depth=1".`,
  rootCause:
    "The trusted CA list still holds a CA certificate that has expired (uclab-RETIRED-CA). The list is one file and Expressway checks it whole, so no certificate can be appended while the expired one is in it; the CA that signed CUCM's new tomcat certificate never gets in.",
  fix: 'Delete the expired certificate from the trusted CA list (Maintenance > Security > Trusted CA certificate: select it, Delete), then append the new CA certificate.',
  variants: {
    fault: {
      explain: 'The expired uclab-RETIRED-CA certificate stays in the list while the new CA is appended.',
      params: { deleteExpired: false },
    },
    fix: {
      explain: 'The administrator deletes the expired certificate first, then appends the new CA.',
      params: { deleteExpired: true },
    },
  },
  lab: () => mraLab({ release: 'X14.2', upgradedFrom: 'X14.0', expcTrust: ['enterprise-ca', 'expired-ca'] }),
  steps: (v) => {
    const steps: Step[] = [
      act(
        'The CUCM administrator has tomcat signed by the new CA, uclab-OTHER-CA',
        'Generate CSR, the new CA signs it, Upload Certificate/Certificate chain; Cisco Tomcat restarts with it.',
        async (lab) => {
          await caSignCucmCertificate(lab, CUCM, 'tomcat', 'other-ca');
        },
      ),
    ];
    if (v.params.deleteExpired)
      steps.push(
        act(
          'Admin deletes the expired uclab-RETIRED-CA certificate from the Expressway-C trusted CA list',
          'Maintenance > Security > Trusted CA certificate: the row whose Validity shows Expired, then Delete.',
          async (lab) => {
            if (expc(lab).deleteTrust('uclab-RETIRED-CA') !== 1)
              throw new Error('the expired CA was not deleted');
          },
        ),
      );
    steps.push(
      act(
        'Admin appends the uclab-OTHER-CA certificate to the Expressway-C trusted CA list',
        'Maintenance > Security > Trusted CA certificate > Append CA certificate.',
        async (lab) => {
          expc(lab).uploadTrust(await caCertificate(lab, 'other-ca'));
        },
      ),
      expectThat(
        v.params.deleteExpired ? 'The new CA is appended' : `The append fails: "${EXPIRED}"`,
        'What the Trusted CA certificate page shows after Append.',
        async (lab) => {
          const e = lastEvent(lab, 'expressway.trust-store', 'expc');
          if (e?.action !== 'append') return { held: false, saw: 'no append happened' };
          return {
            held: v.params.deleteExpired ? e.accepted : !e.accepted && e.message === EXPIRED,
            saw: e.message,
          };
        },
      ),
    );
    if (!v.params.deleteExpired)
      steps.push(expectLog('expc', EXPIRED, "Seed 003 line 547, word for word: the page's message."));
    else steps.push(expectNoLog('expc', EXPIRED, 'The list holds no expired certificate any more.'));
    steps.push(jabberSignsIn());
    if (!v.params.deleteExpired)
      steps.push(
        expectTrafficLine(
          `[ET_NET 0] WARNING: Core server certificate verification failed for (${CUCM_FQDN}). Action=Terminate Error=self signed certificate in certificate chain server=${CUCM_FQDN}({ip}) depth=1`,
          "The new CA never reached the trusted CA list: CUCM's chain ends at a root the Expressway-C does not trust (seed 004, depth above 0).",
        ),
        expectSignIn(false, 'The UDS request got 502: "Cannot communicate with the server."'),
      );
    else steps.push(expectSignIn(true, 'The chain verifies against the new CA: Jabber is signed in.'));
    return steps;
  },
});
