/**
 * The publisher goes down (seed 003: "TVS servers co-exist with each CM node ... up to 3 TVS servers
 * per phone"; the SCCP/SIP admin guides: the phone registers with the next CallManager of its group,
 * and boots from TFTP Server 2 when TFTP Server 1 does not answer). A cluster of a publisher and a
 * subscriber is resilient by design: phones registered with the publisher move to the subscriber, and a
 * phone that boots while the publisher is down takes its files from the subscriber's TFTP and
 * registers with the subscriber.
 *
 * With CUCM 11.5 the subscriber's ITL is signed by the subscriber's own CallManager certificate, which
 * the publisher's ITL does not hold: the phone asks TVS, the publisher's does not answer, the
 * subscriber's (the second TVS of its config, trusted through the ITL's TVS records) vouches.
 */
import {
  act,
  defineScenario,
  expectFaultEffect,
  expectLog,
  expectThat,
  fault,
} from '../emulator/scenario.ts';
import { cucmLab, PUBLISHER } from './kits/cucm.ts';
import { expectRegisteredWith, SUBSCRIBER, withPhoneSettings, withSubscriber } from './kits/faults.ts';
import { boot, expectBoot, type PhoneSpec, phone, sep } from './kits/phone.ts';

interface Params {
  release: '11.5' | '14';
  /** The phone has booted (and registered with the publisher) before the publisher goes down. */
  registeredFirst: boolean;
}

const P: PhoneSpec = {
  mac: 'B000B4BA0A05',
  model: 'CP-8861',
  firmware: 'sip-88xx-14.2',
  protocol: 'SIP',
  security: 'non-secure',
  line: '1005',
};

const DOWN = 'publisher-down';

export default defineScenario<Params>({
  id: 'publisher-down-failover',
  title: 'Publisher down: phones register with the subscriber and boot from its TFTP',
  seed: '003',
  tags: ['cucm', 'phone', 'cluster', 'tftp', 'tvs', 'network-fault'],
  symptom:
    'None for the users: a phone registered with the publisher shows "Registering" briefly and comes back on the subscriber; a phone that restarts while the publisher is down boots and registers all the same.',
  rootCause:
    "The publisher is powered off. The phone's CallManager group lists the subscriber after it, DHCP gives the subscriber as TFTP Server 2, and every node runs TVS.",
  fix: '- (resilient by design: a CallManager group with a second node, the second TFTP server in DHCP option 150, TVS on every node).',
  variants: {
    'first-boot': {
      explain: 'CUCM 14: a new phone boots while the publisher is down.',
      params: { release: '14', registeredFirst: false },
    },
    'registered-11-5': {
      explain: 'CUCM 11.5: a phone registered with the publisher when it goes down, then restarted.',
      params: { release: '11.5', registeredFirst: true },
    },
  },
  lab: (v) =>
    withPhoneSettings(withSubscriber(cucmLab([P], { release: v.params.release }), v.params.release), {
      tftp2: SUBSCRIBER,
      // A powered-off node answers nothing: each connection attempt waits out the phone's timeout.
      timers: { tlsTimeoutMs: 1000, reRegisterDelayMs: 200 },
    }),
  steps: (v) => [
    ...(v.params.registeredFirst
      ? [
          boot(P.mac, 'The phone boots from the publisher (TFTP Server 1) and registers with it.'),
          expectRegisteredWith(P.mac, PUBLISHER, 'The publisher is first in the CallManager group.'),
        ]
      : []),
    fault('The publisher goes down', 'It loses power: nothing at its address answers any more.', {
      name: DOWN,
      kind: 'down',
      device: PUBLISHER,
    }),
    ...(v.params.registeredFirst
      ? [
          expectFaultEffect(DOWN, 'cut', 'The registration connection to the publisher ends with it.'),
          expectRegisteredWith(
            P.mac,
            SUBSCRIBER,
            'The phone shows "Registering" and registers with the next CallManager of its group.',
          ),
          act(
            'The phone is restarted',
            'Power cycle while the publisher is still down: the phone boots from TFTP again.',
            async (lab) => {
              await phone(lab, P.mac).reset();
            },
          ),
        ]
      : [boot(P.mac, 'The new phone is plugged in while the publisher is down.')]),
    expectLog(
      sep(P.mac),
      `using TFTP Server 2 ${SUBSCRIBER}`,
      'TFTP Server 1 (the publisher) does not answer: the phone asks TFTP Server 2.',
    ),
    expectThat(
      `${sep(P.mac)} booted from ${SUBSCRIBER}'s TFTP`,
      'The boot report names the TFTP server the files came from.',
      async (lab) => {
        const b = lab.timeline.ofKind('phone.boot', sep(P.mac)).at(-1);
        return {
          held: b?.tftp.host === SUBSCRIBER,
          saw: b ? `${b.tftp.host} (${b.tftp.address})` : 'no boot',
        };
      },
    ),
    ...(v.params.release === '11.5'
      ? [
          expectThat(
            `${SUBSCRIBER}'s TVS vouched for its ITL signer`,
            "The subscriber's ITL is signed by its own CallManager: the publisher's TVS does not answer, the subscriber's does.",
            async (lab) => {
              const q = lab.timeline.ofKind('phone.tvs', sep(P.mac)).at(-1);
              return {
                held: q?.outcome === 'vouched' && (q.server ?? '').startsWith(`${SUBSCRIBER}:`),
                saw: q ? `${q.outcome} by ${q.server}: ${q.reason}` : 'no TVS question',
              };
            },
          ),
          expectBoot(P.mac, 'itl', 'updated', "The phone installed the subscriber's ITL."),
        ]
      : [
          expectBoot(
            P.mac,
            'itl',
            'updated',
            "A new phone takes the subscriber's ITL on leap of faith (CUCM 14: signed by ITLRecovery).",
          ),
        ]),
    expectBoot(
      P.mac,
      'config',
      'verified',
      "The config is signed by the subscriber's CallManager, in its ITL.",
    ),
    expectRegisteredWith(
      P.mac,
      SUBSCRIBER,
      'The publisher does not answer the REGISTER: the phone registers with the next CallManager of its group.',
    ),
    expectFaultEffect(DOWN, 'blackholed', 'The phone tried the publisher first, as its group says.'),
  ],
});
