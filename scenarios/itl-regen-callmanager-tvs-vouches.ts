/**
 * Seed 003 / docs/reference/cucm-certificates.md §3: with CUCM releases before 12.0 the ITL is signed by the CallManager
 * certificate. After "Regenerate" of CallManager the new ITL is signed by a key the phone does not
 * know, so the phone asks TVS (whose certificate is still the ITL's TVS record): TVS vouches for the
 * new signer and the phone shows "Trust List Updated". From 12.0 ITLRecovery signs the ITL and the
 * signer does not change at all.
 */
import { act, defineScenario, expectLog } from '../emulator/scenario.ts';
import { cucm, cucmLab } from './kits/cucm.ts';
import { boot, expectBoot, expectRegistration, type PhoneSpec, sep, withCucmReset } from './kits/phone.ts';

interface Params {
  release: '11.5' | '14';
}

const P: PhoneSpec = {
  mac: 'B000B4BA0AEE',
  model: 'CP-8861',
  firmware: 'sip-88xx-14.2',
  protocol: 'SIP',
  security: 'non-secure',
  line: '1001',
};

export default defineScenario<Params>({
  id: 'itl-regen-callmanager-tvs-vouches',
  title: 'CallManager regenerated: the phone verifies the new ITL through TVS',
  seed: '003',
  tags: ['cucm', 'phone', 'itl', 'tvs', 'regeneration'],
  symptom: 'None: after a CallManager regeneration registered phones reset and show "Trust List Updated".',
  rootCause:
    'The new ITL (11.5: signed by the new CallManager certificate) has an unknown signer; the phone queries TVS, which it trusts through the ITL TVS record, and TVS vouches for the signer.',
  fix: '-',
  variants: {
    'release-11-5': {
      explain: 'CUCM 11.5: CallManager signs the ITL, so TVS must vouch for the new signer.',
      params: { release: '11.5' },
    },
    'release-14': {
      explain: 'CUCM 14: ITLRecovery signs the ITL; the signer does not change.',
      params: { release: '14' },
    },
  },
  lab: (v) => cucmLab([P], { release: v.params.release }),
  steps: (v) => [
    boot(P.mac, 'The phone takes the first ITL on leap of faith and registers.'),
    expectRegistration(P.mac, 'registered', 'SIP registration over TCP 5060.'),
    act(
      'The administrator regenerates CallManager',
      'admin: set cert regen CallManager. CUCM rebuilds the ITL and resets the registered phones (seed 003).',
      async (lab) => {
        await withCucmReset(lab, [P.mac], () => cucm(lab).exec('set cert regen CallManager'));
      },
    ),
    expectBoot(P.mac, 'itl', 'updated', 'The phone installed the new ITL.'),
    ...(v.params.release === '11.5'
      ? [
          expectLog(
            sep(P.mac),
            'SECUREAPP-TVS process request - processing TVS Query Certificate request',
            'The phone asked TVS about the unknown ITL signer (docs/reference/tvs.md §3).',
          ),
          expectLog(
            sep(P.mac),
            'TVS added cert to TVS cache - expires in 24 hours',
            'TVS vouched; the answer is cached for the TTL CUCM sends (86400 s).',
          ),
        ]
      : []),
    expectLog(sep(P.mac), 'Trust List Updated', 'Status message of seed 002/003.'),
    expectRegistration(
      P.mac,
      'registered',
      'The config signed by the new CallManager is trusted through the new ITL; the phone registers.',
    ),
  ],
});
