/**
 * Seed 003 (TVS, "Avoiding phone trust list update failure"; docs/reference/tvs.md §3 to docs/reference/cucm-certificates.md §3): with CUCM before
 * 12.0 a CallManager regeneration signs the new ITL with a key the phone does not know, so the phone
 * must ask TVS (TCP 2445 on the nodes of its CallManager group). Here TVS cannot be reached while the
 * phones validate the new ITL (a firewall dropping 2445, the Trust Verification Service stopped): the
 * phone cannot verify the ITL, keeps the old one, and cannot trust the config signed by the new
 * CallManager either. Once TVS answers again, a reset is enough: the phone verifies through TVS.
 */
import {
  act,
  clearFault,
  defineScenario,
  expectFaultEffect,
  expectThat,
  fault,
} from '../emulator/scenario.ts';
import { cucm, cucmLab, PUBLISHER } from './kits/cucm.ts';
import { withPhoneSettings } from './kits/faults.ts';
import {
  boot,
  expectBoot,
  expectRegistration,
  expectStatus,
  type PhoneSpec,
  phone,
  sep,
  withCucmReset,
} from './kits/phone.ts';

interface Params {
  tvsBack: boolean;
}

const P: PhoneSpec = {
  mac: 'B000B4BA0A03',
  model: 'CP-8861',
  firmware: 'sip-88xx-14.2',
  protocol: 'SIP',
  security: 'non-secure',
  line: '1003',
};

const TVS_FAULT = 'tvs-unreachable';

export default defineScenario<Params>({
  id: 'tvs-unreachable-itl-update',
  title: 'TVS unreachable while phones validate a new ITL: Trust List Update Failed, the old ITL kept',
  seed: '003',
  tags: ['cucm', 'phone', 'itl', 'tvs', 'regeneration', 'network-fault'],
  symptom:
    'After "set cert regen CallManager" the phones reset, show "Trust List Update Failed" and stay unregistered; their console shows TVS connections failing.',
  rootCause:
    'CUCM 11.5 signs the new ITL with the new CallManager key, which the phone does not know, so it must ask TVS on port 2445. TVS does not answer (firewall, service stopped): the phone keeps its old ITL, and the new config, signed by the new CallManager, cannot be trusted through it.',
  fix: 'Let the phones reach TVS again (TCP 2445 to the nodes of their CallManager group, Cisco Trust Verification Service running), then reset them: they verify the new ITL through TVS. Seed 003: check that phones can reach TVS before regenerating.',
  variants: {
    fault: {
      explain: 'TVS is unreachable while the phone takes the new ITL.',
      params: { tvsBack: false },
    },
    fix: {
      explain: 'Then TVS is reachable again and the phone is reset.',
      params: { tvsBack: true },
    },
  },
  // A blackholed TVS costs the phone its connect timeout per question: 1 s instead of 5 s here.
  lab: () => withPhoneSettings(cucmLab([P], { release: '11.5' }), { timers: { tlsTimeoutMs: 1000 } }),
  steps: (v) => [
    boot(P.mac, 'The phone takes the first ITL on leap of faith and registers.'),
    expectRegistration(P.mac, 'registered', 'SIP registration over TCP 5060.'),
    fault(
      'TVS becomes unreachable',
      'A firewall between the phones and the publisher drops TCP 2445: TVS questions go unanswered.',
      { name: TVS_FAULT, kind: 'down', device: PUBLISHER, port: 2445 },
    ),
    act(
      'The administrator regenerates CallManager',
      'admin: set cert regen CallManager. CUCM rebuilds the ITL and resets the registered phones (seed 003).',
      async (lab) => {
        await withCucmReset(lab, [P.mac], () => cucm(lab).exec('set cert regen CallManager'));
      },
    ),
    expectThat(
      `${sep(P.mac)} could not reach TVS`,
      'The phone asked TVS about the unknown ITL signer and no TVS server answered (phone.tvs unreachable).',
      async (lab) => {
        const q = lab.timeline.ofKind('phone.tvs', sep(P.mac)).at(-1);
        return {
          held: q?.outcome === 'unreachable',
          saw: q ? `${q.outcome}: ${q.reason}` : 'no TVS question',
        };
      },
    ),
    expectBoot(P.mac, 'itl', 'update-failed', 'Without TVS the new ITL cannot be verified.'),
    expectStatus(P.mac, 'Trust List Update Failed', 'Status message of seed 003.'),
    expectThat(
      `${sep(P.mac)} keeps the ITL it had`,
      'The refused ITL is not installed: the Trust List menu still shows the MD5 of the first one.',
      async (lab) => {
        const itl = lab.timeline.ofKind('phone.trust-list', sep(P.mac)).filter((e) => e.list === 'ITL');
        const first = itl.find((e) => e.change === 'installed')?.md5 ?? null;
        const refused = itl.some((e) => e.change === 'refused');
        const now = itl.at(-1)?.md5 ?? null;
        return { held: refused && first !== null && now === first, saw: `first ${first}, now ${now}` };
      },
    ),
    expectBoot(
      P.mac,
      'config',
      'untrusted',
      'The config is signed by the new CallManager, which the old ITL does not hold.',
    ),
    expectFaultEffect(TVS_FAULT, 'blackholed', 'Every TVS connection ran into the firewall.'),
    ...(v.params.tvsBack
      ? [
          clearFault('TVS is reachable again', 'The firewall rule for TCP 2445 is restored.', TVS_FAULT),
          act(
            'The administrator resets the phone',
            'Device > Phone > Reset: the phone boots again and asks TVS about the new ITL.',
            async (lab) => {
              await phone(lab, P.mac).reset();
            },
          ),
          expectThat(
            'TVS vouched for the new CallManager',
            'TVS knows the new CallManager certificate and says so (docs/reference/tvs.md §3).',
            async (lab) => {
              const q = lab.timeline.ofKind('phone.tvs', sep(P.mac)).at(-1);
              return {
                held: q?.outcome === 'vouched',
                saw: q ? `${q.outcome}: ${q.reason}` : 'no TVS question',
              };
            },
          ),
          expectBoot(P.mac, 'itl', 'updated', 'The phone installed the new ITL.'),
          expectStatus(P.mac, 'Trust List Updated', 'Status message of seed 002/003.'),
          expectRegistration(P.mac, 'registered', 'The new config is trusted through the new ITL.'),
        ]
      : [expectRegistration(P.mac, 'unregistered', 'No trusted config: the phone does not register.')]),
  ],
});
