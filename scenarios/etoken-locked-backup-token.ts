/**
 * Seed 002: "A token will self destruct after 15 failed password attempts" (line 64), and "In case a
 * single token is lost or destroyed, the other tokens used at the initial signing of the CTL file can
 * be used instead" (line 60). In an eToken cluster the CTL changes only with a token of the current
 * CTL (line 950). After a CallManager regeneration the CTL must be updated; the administrator has
 * forgotten the first token's password and destroys it. The fix is the backup token: the phones trust
 * a CTL signed by either token of their CTL (line 392).
 */
import { act, defineScenario, expectThat } from '../emulator/scenario.ts';
import { cucm, ETOKEN_PASSWORD, etoken, mixedModeLab, mustSucceed, PUBLISHER } from './kits/cucm.ts';
import { boot, expectRegistration, type PhoneSpec, phone, withCucmReset } from './kits/phone.ts';

interface Params {
  backupToken: boolean;
}

const P: PhoneSpec = {
  mac: '0011215A1AE4',
  model: 'CP-7975',
  firmware: 'sccp-79xx-9.4',
  protocol: 'SCCP',
  security: 'encrypted',
  line: '1001',
};

/** Seed 002 line 64. */
const ATTEMPTS = 15;

export default defineScenario<Params>({
  id: 'etoken-locked-backup-token',
  title:
    'eToken destroyed after 15 wrong passwords: the CTL cannot be updated until the backup token is used',
  seed: '002',
  tags: ['cucm', 'phone', 'ctl', 'etoken'],
  symptom:
    'After a CallManager regeneration the CTL client refuses to update the CTL: the token is permanently locked after 15 failed password attempts; secure phones stay unregistered.',
  rootCause:
    "Every change to an eToken cluster's CTL needs a token of the current CTL, unlocked by its password. The first token destroyed itself after 15 wrong passwords, and no other token was tried.",
  fix: 'Run the CTL client with the backup eToken (the other token of the current CTL) and its password; it signs the updated CTL, which the phones trust. Then reset the phones.',
  variants: {
    fault: {
      explain: 'Token 1 is destroyed by 15 wrong passwords; the CTL stays as it was.',
      params: { backupToken: false },
    },
    fix: {
      explain: 'Token 1 is destroyed; the administrator inserts the backup token 2, which signs the new CTL.',
      params: { backupToken: true },
    },
  },
  lab: () => mixedModeLab([P]),
  steps: (v) => [
    boot(
      P.mac,
      'The phone installs the CTL (signed by token 1, listing tokens 1 and 2) and registers over TLS.',
    ),
    act(
      'The administrator regenerates the CallManager certificate',
      'admin: set cert regen CallManager. CUCM resets the phone, which now refuses the new certificate: the CTL must be updated.',
      async (lab) => {
        await withCucmReset(lab, [P.mac], () => cucm(lab).exec('set cert regen CallManager'));
      },
    ),
    act(
      'The CTL client is run with token 1 and a forgotten password',
      `${ATTEMPTS} wrong passwords: each one counts down the attempts left, the last one destroys the token; then the right password is refused too.`,
      async (lab) => {
        for (let i = 0; i < ATTEMPTS; i++) cucm(lab).updateCtl(etoken(1, `guess-${i}`));
        cucm(lab).updateCtl(etoken(1, ETOKEN_PASSWORD));
      },
    ),
    expectThat(
      'token 1 is permanently locked and the CTL update refused',
      'Seed 002 lines 64 and 162: 14 attempts counted down, the fifteenth destroys the token.',
      async (lab) => {
        const updates = lab.timeline
          .ofKind('cucm.admin-action', PUBLISHER)
          .filter((e) => e.action === 'ctl-update' && e.target === 'eToken 1');
        const codes = updates.map((e) => e.code);
        const held =
          codes.length === ATTEMPTS + 1 &&
          codes.slice(0, ATTEMPTS - 1).every((c) => c === 'etoken.bad-password') &&
          codes.slice(ATTEMPTS - 1).every((c) => c === 'etoken.locked') &&
          (updates[0]?.detail ?? '').includes('only 14 more attempts are allowed');
        return { held, saw: updates.at(-1)?.detail ?? 'no CTL update attempted' };
      },
    ),
    ...(v.params.backupToken
      ? [
          act(
            'The CTL client is run with the backup token',
            'Token 2 is in the current CTL: its password unlocks it and it signs the updated CTL. The phone is reset at the phone.',
            async (lab) => {
              mustSucceed(cucm(lab).updateCtl(etoken(2)));
              await phone(lab, P.mac).reset();
            },
          ),
          expectRegistration(
            P.mac,
            'registered',
            'The phone trusts a CTL signed by either token of its CTL; the new CTL holds the new CallManager certificate.',
            true,
          ),
        ]
      : [
          expectRegistration(
            P.mac,
            'unregistered',
            "The CTL still holds the old CallManager certificate: the phone refuses CUCM's new one.",
          ),
        ]),
  ],
});
