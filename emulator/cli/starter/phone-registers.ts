/**
 * A first scenario: a Cisco IP phone boots from CUCM's TFTP server, installs the ITL, fetches its
 * signed configuration and registers over SIP. Run it with `npx uclab run scenarios/phone-registers.ts`;
 * `npx uclab explain scenarios/phone-registers.ts` narrates it step by step.
 *
 * Ready-made CUCM, phone, Expressway and application-server declarations and steps are in the kits:
 * `import ... from 'uclab/kits/phone'` (also `uclab/kits/cucm`, `uclab/kits/expressway`,
 * `uclab/kits/appserver`).
 */
import { defineScenario, expectLog, expectNoLog } from 'uclab';

const PHONE = 'SEP001122334455';

export default defineScenario({
  id: 'phone-registers',
  title: 'A phone boots from CUCM, trusts its ITL and registers',
  seed: '-',
  tags: ['starter', 'cucm', 'phone'],
  symptom: 'The phone shows "Registered".',
  rootCause:
    'CUCM knows the phone: TFTP serves its signed configuration, and the ITL vouches for the signer.',
  fix: 'Nothing to fix: this is the working case to start from.',
  variants: {
    'non-secure': {
      explain: 'A CP-8861 on SIP, non-secure, added to CUCM with line 1001.',
      params: {},
    },
  },
  lab: () => ({
    devices: [
      {
        kind: 'cucm',
        name: 'cucm-pub',
        phones: [{ name: PHONE, model: 'CP-8861', protocol: 'SIP', security: 'non-secure', line: '1001' }],
      },
      // The phone boots as soon as the lab is up, from the TFTP server on cucm-pub.
      { kind: 'phone', name: PHONE, mac: '001122334455', model: 'CP-8861', tftp: 'cucm-pub' },
    ],
  }),
  steps: () => [
    expectLog(PHONE, 'Trust List Updated', "The phone installs the ITL that CUCM's TFTP server offers.", {
      title: `${PHONE} shows "Trust List Updated"`,
    }),
    expectLog(
      PHONE,
      'Registered',
      'The signed configuration verifies against the ITL; SIP REGISTER gets 200 OK.',
      {
        title: `${PHONE} shows "Registered"`,
      },
    ),
    expectNoLog(PHONE, 'Trust List Update Failed', 'Nothing in the trust chain was refused.'),
  ],
});
