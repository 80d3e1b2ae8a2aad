/**
 * Seed 003 / TAC-217138 on a floor of 40 phones (scenarios/kits/fleet.ts): "Do not regenerate the
 * CallManager and TVS certificates at the same time". On CUCM 11.5 the ITL is signed by CallManager.
 * The phones online through the change reset after each regeneration and recover (TVS vouches for the
 * new CallManager; then the new TVS comes in an ITL signed by a CallManager they now trust). The four
 * phones unplugged through the whole window come back to an ITL signed by a CallManager they do not
 * know, and the only TVS they trust is gone: "Trust List Update Failed", and no registration, until
 * the ITL on them is deleted by hand. The fix: `utils itl reset localkey` before they return, so the
 * ITL is signed by the ITLRecovery key every phone's ITL holds. The same change at fleet scale is the
 * rollover plan plans/regen-callmanager-and-tvs.yaml.
 */
import { defineScenario } from '../emulator/scenario.ts';
import { everyNth, expectFleet, fleet, fleetStep, plugIn, unplug } from './kits/fleet.ts';
import { expectRegistration, expectStatus } from './kits/phone.ts';

interface Params {
  itlReset: boolean;
}

const floor = fleet({
  seed: 'fleet-regen-callmanager-and-tvs',
  cluster: { release: '11.5', regenGuard: '0s' },
  fleet: {
    size: 40,
    groups: [
      { name: 'cp-8861', model: 'CP-8861', firmware: 'sip-88xx-14.2', protocol: 'SIP', weight: 60 },
      { name: 'cp-7975', model: 'CP-7975', firmware: 'sccp-79xx-9.4', protocol: 'SCCP', weight: 40 },
    ],
  },
});
/** One phone in ten, of both models, unplugged through the change window. */
const away = everyNth(floor, 10);
const [first] = away;
if (!first) throw new Error('the floor has no phone to unplug');

export default defineScenario<Params>({
  id: 'fleet-regen-callmanager-and-tvs',
  title: 'A floor of 40 phones: CallManager and TVS regenerated while four phones are unplugged',
  seed: '003',
  tags: ['cucm', 'phone', 'itl', 'tvs', 'regeneration', 'fleet'],
  symptom:
    'After CallManager and TVS were regenerated, the phones that were off show "Trust List Update Failed" and do not register; the others are fine.',
  rootCause:
    'The returning phones hold an ITL whose CallManager and TVS records are both gone: the new ITL is signed by a CallManager they do not know, and there is no TVS they trust to ask.',
  fix: 'Run utils itl reset localkey before the phones return (ITLRecovery signs the ITL), or regenerate one unit at a time with every phone online.',
  variants: {
    fault: {
      explain: 'CallManager and TVS regenerated in one window with four phones unplugged.',
      params: { itlReset: false },
    },
    'fix-itl-reset-first': {
      explain: 'The same, and utils itl reset localkey before the phones are plugged back in.',
      params: { itlReset: true },
    },
  },
  lab: () => floor.lab,
  steps: (v) => [
    fleetStep(floor, { op: 'boot' }, 'Every phone takes the first ITL on leap of faith and registers.'),
    unplug(floor, away, 'Four phones, of both models, are off for the change window.'),
    fleetStep(
      floor,
      { op: 'regenerate', unit: 'CallManager' },
      'CUCM resets the registered phones; each asks TVS about the new ITL signer and recovers.',
    ),
    fleetStep(
      floor,
      { op: 'regenerate', unit: 'TVS' },
      'CUCM resets them again; the new TVS record comes in an ITL signed by the CallManager they now trust.',
    ),
    ...(v.params.itlReset
      ? [
          fleetStep(
            floor,
            { op: 'itl-reset', key: 'localkey' },
            'The ITL is signed by the ITLRecovery key, which every phone has in its ITL (seed 003); CUCM resets the registered phones.',
          ),
        ]
      : []),
    plugIn(floor, away, 'The four phones are plugged back in and read the new ITL.'),
    ...(v.params.itlReset
      ? [
          expectRegistration(
            first.mac,
            'registered',
            'The ITLRecovery signature verifies; the phone registers.',
          ),
          expectFleet(floor, { 'recovered-tvs': 36, trusted: 4 }, 'Every phone of the floor is registered.'),
        ]
      : [
          expectStatus(first.mac, 'Trust List Update Failed', 'Status message of seed 003.'),
          expectFleet(
            floor,
            { 'recovered-tvs': 36, 'lost-trust': 4 },
            'The phones that were on recovered; the four that were off lost trust.',
          ),
        ]),
  ],
});
