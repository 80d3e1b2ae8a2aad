/**
 * Seed 002: "If the phone fails to validate the CTL file, that means the phone's existing Certificate
 * Trust List does not have the same eTokens inside of it that the newly downloaded CTL was signed with"
 * -> `Trust List Update Failed`. Here the old eTokens are lost and the CTL client is run with two new
 * ones: the new CTL is signed by a token the phone's CTL does not hold. (Going tokenless would not do
 * it: the eToken CTL lists ITLRecovery as a SAST, docs/reference/trust-files.md §1.6, and ITLRecovery signs the
 * tokenless CTL from 12.0.) The fix the seed gives when the old tokens are gone: delete the CTL from
 * the phone.
 */
import { act, byTrainee, defineScenario, solvedWhen } from '../emulator/scenario.ts';
import { cucm, mixedModeLab, mustSucceed } from './kits/cucm.ts';
import { boot, expectBoot, expectNoStatus, expectStatus, type PhoneSpec, phone } from './kits/phone.ts';

interface Params {
  deleteCtl: boolean;
}

const P: PhoneSpec = {
  mac: '0011215A1AE3',
  model: 'CP-7975',
  firmware: 'sccp-79xx-9.4',
  protocol: 'SCCP',
  security: 'non-secure',
  line: '1001',
};

export default defineScenario<Params>({
  id: 'ctl-unknown-signer',
  title: 'A new CTL signed by a token the phone does not know: Trust List Update Failed',
  seed: '002',
  tags: ['cucm', 'phone', 'ctl', 'etoken'],
  symptom:
    'After the CTL is re-signed with other tokens the phone shows "Trust List Update Failed" and keeps its old CTL.',
  rootCause:
    'A phone with a CTL accepts a new CTL only if it is signed by a SAST (eToken) that its installed CTL holds. The new CTL is signed by a new eToken, which the old CTL does not list.',
  fix: 'Delete the CTL on the phone (Settings > Security > Trust List > CTL File > Erase) so that it trusts the new one, or sign the new CTL with a token of the old one.',
  exercise: {
    task: "The CTL was re-created with two new eTokens (the old ones are lost). Since then the phone SEP0011215A1AE3 (a 7975) shows an error after each reset and keeps an old trust list. Make it take the cluster's new CTL. The phone is at your desk: uclab console SEP0011215A1AE3 (try help).",
    solvedBy: 'fix',
    hints: [
      'Which status message does the phone show after a reset? Compare the CTL it holds (show trust-list at the phone) with the one CUCM serves (show ctl at cucm-pub).',
      'A phone accepts a new CTL only when a SAST (eToken) of the CTL it already holds signed it; the new tokens are not in the old CTL.',
      'With the old tokens gone, the seed says the CTL has to be deleted from the phone manually: erase ctl at the phone. uclab check resets the phone before it looks.',
    ],
  },
  variants: {
    fault: {
      explain: 'The phone keeps its CTL when the CTL is re-signed with new eTokens.',
      params: { deleteCtl: false },
    },
    fix: {
      explain: 'The CTL is erased on the phone before it resets: the next CTL is installed as a first one.',
      params: { deleteCtl: true },
    },
  },
  lab: () => mixedModeLab([P]),
  steps: (v) => [
    boot(P.mac, 'The phone installs the CTL signed by eToken 1.'),
    expectStatus(P.mac, 'Trust List Updated', 'The first CTL is accepted (seed 002).'),
    act(
      'The administrator re-creates the CTL with two new eTokens',
      'The old eTokens are lost; the CTL client is run with new ones: the new CTL lists and is signed by tokens the phone has never seen.',
      async (lab) => {
        mustSucceed(await cucm(lab).replaceEtokens());
      },
    ),
    ...(v.params.deleteCtl
      ? [
          byTrainee(
            act(
              'The CTL is erased on the phone',
              'Settings > Security > Trust List > CTL File > Erase (the seed: "the CTL File will need to be deleted from the phone manually").',
              async (lab) => {
                phone(lab, P.mac).deleteTrustList('CTL');
              },
            ),
          ),
        ]
      : []),
    solvedWhen(
      act(
        'The phone resets',
        'It downloads the new CTL and checks its signer against the CTL it holds.',
        async (lab) => {
          await phone(lab, P.mac).reset();
        },
      ),
    ),
    v.params.deleteCtl
      ? solvedWhen(
          expectNoStatus(
            P.mac,
            'Trust List Update Failed',
            'With no CTL held, the new CTL is installed like a first one.',
          ),
        )
      : expectStatus(
          P.mac,
          'Trust List Update Failed',
          'Seed 002 wording: the signer is not a token of the installed CTL.',
        ),
    solvedWhen(
      expectBoot(
        P.mac,
        'ctl',
        v.params.deleteCtl ? 'updated' : 'update-failed',
        v.params.deleteCtl ? 'The new CTL is installed.' : 'The phone keeps its old CTL.',
      ),
    ),
  ],
});
