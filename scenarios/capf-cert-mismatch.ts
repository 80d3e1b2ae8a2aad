/**
 * Seed 002 ("the CAPF.pem in the publisher and subscriber are different ... in the 9971 phones status
 * messages show 'No valid CAPF server'"): the CAPF certificate was regenerated but the CTL still holds
 * the old one. The phone checks the CAPF server against the CTL's CAPF record and gives up.
 */
import { act, defineScenario } from '../emulator/scenario.ts';
import { cucm, etoken, mixedModeLab, mustSucceed } from './kits/cucm.ts';
import {
  boot,
  expectNoStatus,
  expectStatus,
  type PhoneSpec,
  phone,
  sep,
  withCucmReset,
} from './kits/phone.ts';

interface Params {
  updateCtl: boolean;
}

const P: PhoneSpec = {
  mac: '0011215A1AE3',
  model: 'CP-8861',
  firmware: 'sip-88xx-14.2',
  protocol: 'SIP',
  security: 'non-secure',
  line: '1001',
};

export default defineScenario<Params>({
  id: 'capf-cert-mismatch',
  title: 'CAPF certificate differs from the CTL: No valid CAPF server',
  seed: '002',
  tags: ['cucm', 'phone', 'capf', 'ctl'],
  symptom: 'LSC installation never starts; the phone\'s status messages show "No valid CAPF server".',
  rootCause:
    'In mixed mode the phone trusts the CAPF server only if its TLS certificate is the CAPF record of the CTL. CAPF.pem was regenerated after the CTL was built.',
  fix: 'Regenerate CAPF where needed and update the CTL (utils ctl update CTLFile / rerun the CTL client), then reset the phones.',
  variants: {
    fault: { explain: 'CAPF regenerated, CTL not updated.', params: { updateCtl: false } },
    fix: {
      explain: 'CAPF regenerated, then the CTL client updates the CTL with an eToken.',
      params: { updateCtl: true },
    },
  },
  lab: () => mixedModeLab([{ ...P, typed: '' }]),
  steps: (v) => [
    boot(P.mac, 'The phone installs the CTL (with the CAPF record) and registers.'),
    act(
      'CAPF is regenerated',
      `admin: set cert regen CAPF${v.params.updateCtl ? ', then the CTL client updates the CTL (eToken 1)' : ''}`,
      async (lab) => {
        await withCucmReset(lab, [P.mac], async () => {
          await cucm(lab).exec('set cert regen CAPF');
          if (v.params.updateCtl) mustSucceed(cucm(lab).updateCtl(etoken(1)));
        });
      },
    ),
    act(
      'An LSC install is scheduled and the phone resets',
      'Device > Phone > CAPF Information: Install/Upgrade, By Null String.',
      async (lab) => {
        mustSucceed(
          cucm(lab).setCapfOperation(sep(P.mac), { operation: 'install', authMode: 'null-string' }),
        );
        await phone(lab, P.mac).reset();
      },
    ),
    ...(v.params.updateCtl
      ? [
          expectNoStatus(
            P.mac,
            'No valid CAPF server',
            "The new CAPF certificate is the CTL's CAPF record now.",
          ),
          expectStatus(P.mac, 'LSC Installed', 'CAPF issues the LSC.'),
        ]
      : [
          expectStatus(
            P.mac,
            'No valid CAPF server',
            'Seed 002 wording: the CAPF server presented a certificate the CTL does not hold.',
          ),
        ]),
  ],
});
