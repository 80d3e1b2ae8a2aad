import { act, byTrainee, defineScenario, type Step, solvedWhen } from '../emulator/scenario.ts';
import {
  CUCM_FQDN,
  expc,
  expectNoTrafficLine,
  expectSignIn,
  expectTrafficLine,
  jabberSignsIn,
  mraLab,
} from './kits/expressway.ts';

interface P {
  release: 'X14.0' | 'X14.2';
  verifyOff: boolean;
}

export default defineScenario<P>({
  id: 'x14-0-upgrade-regression',
  title: 'The same MRA lab passes on X14.0 and fails after the upgrade to X14.2',
  seed: '004',
  tags: ['expressway', 'mra', 'cucm', 'x14.2', 'upgrade'],
  symptom:
    'MRA login worked on X14.0.7; after the upgrade to X14.2 it fails with "Core server certificate verification failed ... self signed certificate ... depth=0" and 502.',
  rootCause:
    "Below X14.2 the traffic server never verified CUCM's certificates (CSCwc69661 / CSCwa25108); X14.2 verifies every request, and CUCM's self-signed tomcat certificate was never uploaded to the Expressway-C.",
  fix: 'Short term: xConfiguration EdgeConfigServer VerifyOriginServer: Off. Long term: trust or CA-sign the CUCM certificates (see x14-2-ecdsa-self-signed-6972).',
  variants: {
    'before-upgrade': {
      explain: 'Expressway-C on X14.0: no origin verification; login works.',
      params: { release: 'X14.0', verifyOff: false },
    },
    fault: {
      explain: 'The same lab, Expressway-C upgraded to X14.2 (RSA cipher prefix kept by the upgrade path).',
      params: { release: 'X14.2', verifyOff: false },
    },
    fix: {
      explain: 'X14.2 with the documented short-term workaround VerifyOriginServer Off.',
      params: { release: 'X14.2', verifyOff: true },
    },
  },
  exercise: {
    task: 'MRA login worked until last night, when the Expressway-C was upgraded from X14.0 to X14.2; now emusk gets "Cannot communicate with the server." in Jabber from outside. Get MRA login working again from the Expressway-C console (uclab console expc); CUCM is uclab console cucm-pub.',
    solvedBy: 'fix',
    hints: [
      "Read the Expressway-C's traffic_server log: which certificate does it refuse, and with which Error and depth?",
      "depth=0 and self signed certificate: X14.2 verifies every origin server (CSCwc69661), and CUCM's self-signed tomcat certificate was never uploaded to the Expressway-C. Below X14.2 nothing was verified.",
      'X14.2 brought a setting to go back to the old behaviour while the certificates are sorted out: xConfiguration EdgeConfigServer VerifyOriginServer (seed 004, short term).',
    ],
  },
  lab: (v) =>
    mraLab({
      release: v.params.release,
      ...(v.params.release === 'X14.2' ? { upgradedFrom: 'X14.0' as const } : {}),
      certificates: { tomcat: { signedBy: 'self' }, 'tomcat-ECDSA': { signedBy: 'self' } },
    }),
  steps: (v) => {
    const steps: Step[] = [];
    if (v.params.verifyOff) {
      steps.push(
        byTrainee(
          act(
            'Admin runs xConfiguration EdgeConfigServer VerifyOriginServer: Off',
            'The command X14.2 introduced to fall back to the pre-X14.2 behaviour (seed 004, short-term solution).',
            async (lab) => {
              const out = await expc(lab).exec('xConfiguration EdgeConfigServer VerifyOriginServer: Off');
              if (!out.includes('OK')) throw new Error(out);
            },
          ),
        ),
      );
    }
    steps.push(solvedWhen(jabberSignsIn()));
    if (v.name === 'fault') {
      steps.push(
        expectTrafficLine(
          `[ET_NET 0] WARNING: Core server certificate verification failed for (${CUCM_FQDN}). Action=Terminate Error=self signed certificate server=${CUCM_FQDN}({ip}) depth=0`,
          "X14.2 now verifies CUCM's self-signed tomcat certificate, which is not in its trust store.",
        ),
        expectTrafficLine('Msg="HTTP/1.1 502 connect failed"', 'The traffic server answers 502.'),
        expectSignIn(false, 'The upgrade broke MRA login.'),
      );
    } else {
      steps.push(
        solvedWhen(
          expectNoTrafficLine(
            'Core server certificate verification failed',
            v.params.release === 'X14.0'
              ? 'X14.0 does not verify origin servers.'
              : 'Verification is switched off.',
          ),
        ),
        solvedWhen(expectSignIn(true, 'Jabber signs in.')),
      );
    }
    return steps;
  },
});
