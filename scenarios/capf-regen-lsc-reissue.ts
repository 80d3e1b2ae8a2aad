/**
 * Seed 003: LSCs are issued by the CAPF certificate. After CAPF is regenerated, CUCM no longer trusts
 * LSCs issued by the old CAPF, so phones that authenticate with them fail secure registration until
 * they get a new LSC (a CAPF Install/Upgrade with the new CAPF).
 */
import { act, defineScenario, expectLog, expectThat } from '../emulator/scenario.ts';
import { adminOutput, cucm, etoken, mixedModeLab, mustSucceed } from './kits/cucm.ts';
import {
  boot,
  expectRegistration,
  expectStatus,
  heldLsc,
  type PhoneSpec,
  phone,
  sep,
  withCucmReset,
} from './kits/phone.ts';

interface Params {
  reissue: boolean;
}

const P: PhoneSpec = {
  mac: '0011215A1AE3',
  model: 'CP-8861',
  firmware: 'sip-88xx-14.2',
  protocol: 'SIP',
  security: 'encrypted',
  line: '1001',
  capf: { operation: 'install', authMode: 'null-string', keySize: 2048 },
};

export default defineScenario<Params>({
  id: 'capf-regen-lsc-reissue',
  title: 'CAPF regenerated: LSCs issued by the old CAPF are no longer trusted',
  seed: '003',
  tags: ['cucm', 'phone', 'capf', 'lsc', 'regeneration'],
  symptom:
    'After regenerating CAPF, secure phones with LSCs fail to register: CUCM refuses their certificate.',
  rootCause: 'The LSC chains to the old CAPF certificate, which is no longer in CallManager-trust.',
  fix: 'Reissue the LSCs: CAPF Install/Upgrade for the phones, then reset them.',
  variants: {
    fault: { explain: 'CAPF regenerated; the phones keep their old LSCs.', params: { reissue: false } },
    fix: {
      explain: 'CAPF regenerated, then an Install/Upgrade gives each phone a new LSC.',
      params: { reissue: true },
    },
  },
  lab: () => mixedModeLab([{ ...P, typed: '' }]),
  steps: (v) => [
    boot(P.mac, 'The phone gets its LSC from CAPF and registers over SIP/TLS 5061 with it.'),
    expectStatus(P.mac, 'LSC Installed', 'CAPF issued the LSC.'),
    expectRegistration(P.mac, 'registered', 'Secure registration with the LSC.', true),
    act(
      'CAPF is regenerated and the CTL updated',
      'admin: set cert regen CAPF (CUCM resets the registered phones: they boot with their old LSC), then the CTL client updates the CTL (eToken 1).',
      async (lab) => {
        await withCucmReset(lab, [P.mac], () => cucm(lab).exec('set cert regen CAPF'));
        mustSucceed(cucm(lab).updateCtl(etoken(1)));
      },
    ),
    expectLog(
      sep(P.mac),
      'Reset request from CallManager: restart',
      'CUCM resets the phones registered to it after the CAPF certificate change (seed 003).',
    ),
    expectRegistration(
      P.mac,
      'unregistered',
      'After the reset CUCM refuses the LSC issued by the old CAPF: no secure registration.',
    ),
    ...(v.params.reissue
      ? [
          act(
            'The administrator schedules Install/Upgrade and the phone is reset',
            'Device > Phone > CAPF Information: Install/Upgrade. The phone is not registered, so CUCM cannot reset it: it is reset at the phone, gets the new CTL and runs CAPF with the new CAPF.',
            async (lab) => {
              mustSucceed(
                cucm(lab).setCapfOperation(sep(P.mac), { operation: 'install', authMode: 'null-string' }),
              );
              await phone(lab, P.mac).reset();
            },
          ),
          expectThat(
            'The phone holds an LSC issued by the new CAPF',
            'The Install/Upgrade replaced the LSC.',
            async (lab) => {
              const lsc = heldLsc(lab, P.mac);
              const capf =
                (await adminOutput(lab, 'show cert own CAPF/CAPF.pem')).match(/CN=(CAPF-[0-9a-f]{8})/)?.[1] ??
                '?';
              return {
                held: !!lsc && lsc.issuer.includes(capf),
                saw: `LSC issuer ${lsc?.issuer}; CAPF ${capf}`,
              };
            },
          ),
          expectRegistration(P.mac, 'registered', 'CUCM trusts the new LSC: the phone registers.', true),
        ]
      : []),
  ],
});
