/**
 * Seed 003 / TAC-217138 (docs/reference/cucm-certificates.md §3): "Do not regenerate the CallManager and TVS certificates at
 * the same time". CUCM's guard refuses TVS within 5 minutes of CallManager (seed 003 line 1155), but
 * the guard only spaces them: an administrator who waits it out and regenerates TVS while a phone is
 * still offline does the same harm. That phone comes back to an ITL signed by an unknown CallManager
 * key and cannot ask TVS either (the TVS certificate is no longer the ITL TVS record):
 * `Trust List Update Failed`, and the config signed by the new CallManager is not trusted. Fixes: an ITL
 * signed by the ITLRecovery key (`utils itl reset localkey`), or deleting the ITL on the phone.
 *
 * The lab shortens the guard to 2 seconds (architecture decision 4: timers a scenario can shorten);
 * the rule itself stays on.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { act, byTrainee, defineScenario, expectLog, expectThat, solvedWhen } from '../emulator/scenario.ts';
import { cucm, cucmLab, PUBLISHER } from './kits/cucm.ts';
import { boot, expectBoot, expectRegistration, type PhoneSpec, phone, sep } from './kits/phone.ts';

interface Params {
  fix: 'none' | 'itl-reset' | 'delete-itl' | 'itl-reset-after';
}

/** The lab's guard between the CallManager and TVS regenerations (5 minutes on CUCM). */
const GUARD_MS = 2000;

const P: PhoneSpec = {
  mac: 'B000B4BA0AEE',
  model: 'CP-8861',
  firmware: 'sip-88xx-14.2',
  protocol: 'SIP',
  security: 'non-secure',
  line: '1001',
};

export default defineScenario<Params>({
  id: 'itl-regen-callmanager-and-tvs',
  title: 'CallManager and TVS regenerated together with a phone offline: Trust List Update Failed',
  seed: '003',
  tags: ['cucm', 'phone', 'itl', 'tvs', 'regeneration'],
  symptom:
    'A phone that was offline during the change shows "Trust List Update Failed" and does not register: its config is not trusted.',
  rootCause:
    "The new ITL is signed by the new CallManager key (before 12.0); the phone must ask TVS, but TVS now presents a certificate that is not the TVS record of the phone's ITL, so there is no path left to trust.",
  fix: "`utils itl reset localkey` (an ITL signed by ITLRecovery, which the phone's ITL holds), or delete the ITL on the phone.",
  variants: {
    fault: {
      explain:
        'CallManager regenerated, the guard waited out, TVS regenerated, all while the phone is offline.',
      params: { fix: 'none' },
    },
    fix: {
      explain: 'Then utils itl reset localkey before the phone comes back.',
      params: { fix: 'itl-reset' },
    },
    'fix-delete-itl': {
      explain: 'Then the ITL is erased on the phone (Settings > Security > Trust List).',
      params: { fix: 'delete-itl' },
    },
    'fix-after-the-failure': {
      explain:
        'The phone comes back and fails as in the fault; then utils itl reset localkey, and the phone is reset at the phone (CUCM cannot reset a phone that is not registered).',
      params: { fix: 'itl-reset-after' },
    },
  },
  exercise: {
    task: 'After a certificate change in the maintenance window, the phone SEPB000B4BA0AEE (an 8861 that was unplugged during the window) shows "Trust List Update Failed" and does not register. Make it register again. Consoles: uclab console cucm-pub, and the phone itself: uclab console SEPB000B4BA0AEE (try help).',
    solvedBy: 'fix-after-the-failure',
    hints: [
      'What changed on the publisher during the window? show cert own CallManager and show cert own TVS, then look at the phone: which ITL does it hold (show trust-list at the phone)?',
      "The new ITL is signed by the new CallManager key; the phone can only trust it through TVS, and TVS was regenerated too, so its certificate is not the TVS record of the phone's ITL.",
      "Give the phone an ITL it can verify: utils itl reset localkey at cucm-pub signs one with ITLRecovery, which the phone's ITL holds (or erase itl at the phone). uclab check resets the phone before it looks.",
    ],
  },
  lab: () => cucmLab([P], { release: '11.5', regenGuard: `${GUARD_MS / 1000}s` }),
  steps: (v) => [
    boot(P.mac, 'The phone installs the ITL (signed by the 11.5 CallManager) and registers.'),
    act('The phone goes offline', 'It is unplugged for the maintenance window.', async (lab) => {
      phone(lab, P.mac).goOffline();
    }),
    act(
      'CallManager is regenerated, then TVS at once',
      'admin: set cert regen CallManager; set cert regen TVS straight after.',
      async (lab) => {
        await cucm(lab).exec('set cert regen CallManager');
        await cucm(lab).exec('set cert regen TVS');
      },
    ),
    expectLog(
      PUBLISHER,
      'CallManager certificate was modified in the last 5 minutes. Please re-try regenerating TVS certificate at a later time',
      "CUCM's guard refuses the second regeneration inside the window (seed 003 line 1155).",
    ),
    act(
      'The administrator waits out the guard and regenerates TVS',
      `The guard (${GUARD_MS / 1000} s in this lab, 5 minutes on CUCM) has passed; the phone is still offline. admin: set cert regen TVS.`,
      async (lab) => {
        await delay(GUARD_MS + 250);
        await cucm(lab).exec('set cert regen TVS');
        if (v.params.fix === 'itl-reset') await cucm(lab).exec('utils itl reset localkey');
        if (v.params.fix === 'delete-itl') phone(lab, P.mac).deleteTrustList('ITL');
      },
    ),
    expectThat(
      'the second TVS regeneration is done',
      'Outside the window CUCM regenerates TVS: the guard spaces the two changes, it does not protect a phone that is offline across both.',
      async (lab) => {
        const tvs = lab.timeline
          .ofKind('cucm.admin-action', PUBLISHER)
          .filter((e) => e.action === 'regenerate' && e.target === 'TVS')
          .map((e) => e.outcome);
        return { held: tvs.join(',') === 'refused,done', saw: `TVS regenerations: ${tvs.join(', ')}` };
      },
    ),
    act('The phone comes back', 'It boots: ITL, then its signed config.', async (lab) => {
      await phone(lab, P.mac).goOnline();
    }),
    ...(v.params.fix === 'itl-reset-after'
      ? [
          expectLog(sep(P.mac), 'Trust List Update Failed', 'The symptom, as in the fault.'),
          byTrainee(
            act(
              'The administrator resets the ITL with the recovery key',
              "admin: utils itl reset localkey: an ITL signed by ITLRecovery, a signer the phone's old ITL holds.",
              async (lab) => {
                await cucm(lab).exec('utils itl reset localkey');
              },
            ),
          ),
          solvedWhen(
            act(
              'The phone is reset at the phone',
              'It is not registered, so CUCM cannot reset it: someone at the phone resets it (or power-cycles it).',
              async (lab) => {
                await phone(lab, P.mac).reset();
              },
            ),
          ),
        ]
      : []),
    ...(v.params.fix === 'none'
      ? [
          expectLog(
            sep(P.mac),
            'Trust List Update Failed',
            'Seed 002/003 wording: the new ITL could not be verified.',
          ),
          expectBoot(
            P.mac,
            'config',
            'untrusted',
            'The config is signed by the new CallManager, which neither the ITL nor TVS vouches for.',
          ),
          expectRegistration(P.mac, 'unregistered', 'Without a trusted config the phone does not register.'),
        ]
      : [
          solvedWhen(
            expectBoot(
              P.mac,
              'itl',
              'updated',
              v.params.fix === 'delete-itl'
                ? 'With no ITL held, the new ITL is taken on leap of faith.'
                : "The ITL signed by ITLRecovery is accepted: ITLRecovery is in the phone's ITL.",
            ),
          ),
          solvedWhen(
            expectRegistration(
              P.mac,
              'registered',
              'The config verifies with the new ITL; the phone registers.',
            ),
          ),
        ]),
  ],
});
