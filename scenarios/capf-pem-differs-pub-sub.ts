/**
 * Seed 002, a reader's question under the CTL article: "I have two Callmanager (publisher and
 * subscriber) ... configured mixed-mode. I checked that the CAPF.pem in the subscriber was issued
 * after the CTL file (the publisher was before) ... If I regenerate CAPF in the publisher and the
 * rerun the CTLClient ... Due the CAPF.pem in the publisher and subscriber are different, the CAPF can
 * not works fine? I tried install LSC but it is not working, in the 9971 phones status messages show
 * "No valid CAPF server"." The article itself: "The final entry in the CTL file is the CAPF
 * certificate. The serial number here also must match the OS Admin CAPF.pem, so phones are allowed to
 * connect to the CAPF service. If there is a mismatch the same step of re-running the CTL Client must
 * be performed."
 *
 * A two-node cluster whose phones' CallManager group lists the subscriber first: the phone boots from
 * the subscriber's TFTP and registers there. Every node has a CAPF.pem of its own, so the two always
 * differ (seed 003's trust list holds two: `CallManager-trust/CAPF-be0b40de.pem`,
 * `CallManager-trust/CAPF-f21b4acd.pem`). What a phone checks is the CAPF service it connects to: on
 * the releases the lab models, it runs on the publisher only (docs/reference/capf.md §2, TAC-217138),
 * and the phone's config names the publisher; the phone accepts it only if its certificate is the CAPF
 * record of the CTL.
 *
 * The variants: the subscriber's CAPF.pem regenerated after the CTL (the state the reader found), the
 * publisher's regenerated as the reader planned but without the CTL client, and the plan carried out
 * (the publisher's CAPF regenerated, then the CTL client). Why the reader's phones failed before the
 * plan the seed does not say (no answer follows the question): in the lab, the subscriber's newer
 * CAPF.pem alone breaks nothing.
 */
import { act, defineScenario, expectThat } from '../emulator/scenario.ts';
import { adminOutput, cucm, etoken, mixedModeLab, mustSucceed, PUBLISHER } from './kits/cucm.ts';
import { expectRegisteredWith, SUBSCRIBER, withSubscriber } from './kits/faults.ts';
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
  /** The node whose CAPF certificate is regenerated after the CTL was built. */
  regenerated: 'subscriber' | 'publisher';
  /** The CTL client runs again after the regeneration (Update CTL File, eToken 1). */
  rerunCtlClient: boolean;
}

const P: PhoneSpec = {
  mac: '00112299A71C',
  model: 'CP-8861',
  firmware: 'sip-88xx-14.2',
  protocol: 'SIP',
  security: 'non-secure',
  line: '1031',
  tftp: SUBSCRIBER,
};

/** The serial number `show cert own CAPF` prints on a node. */
async function capfSerial(lab: Parameters<typeof adminOutput>[0], node: string): Promise<string> {
  const out = await adminOutput(lab, 'show cert own CAPF', node);
  return /^Serial Number: (\S+)$/m.exec(out)?.[1] ?? '(none)';
}

export default defineScenario<Params>({
  id: 'capf-pem-differs-pub-sub',
  title: 'Publisher and subscriber CAPF.pem differ: which one the CTL must hold',
  seed: '002',
  tags: ['cucm', 'phone', 'capf', 'ctl', 'cluster'],
  symptom:
    'A phone registered to the subscriber never gets its LSC; its status messages show "No valid CAPF server". `show cert own CAPF` prints a different certificate on each node.',
  rootCause:
    "The publisher's CAPF.pem was regenerated after the CTL was built: CAPF (publisher only) presents a certificate that is not the CTL's CAPF record, and the phone gives up. The two nodes' CAPF.pem differ in every cluster: that alone is not the fault.",
  fix: 'After regenerating CAPF on the publisher, run the CTL client again (Update CTL File with an eToken; `utils ctl update CTLFile` tokenless) so the CTL holds the CAPF.pem the publisher presents, then reset the phones.',
  variants: {
    'subscriber-regenerated': {
      explain:
        "The subscriber's CAPF.pem is regenerated after the CTL (the state the reader found); the publisher's is the CTL's.",
      params: { regenerated: 'subscriber', rerunCtlClient: false },
    },
    fault: {
      explain: "The publisher's CAPF.pem is regenerated as planned; the CTL client is not run again.",
      params: { regenerated: 'publisher', rerunCtlClient: false },
    },
    fix: {
      explain: "The publisher's CAPF.pem is regenerated, then the CTL client updates the CTL (eToken 1).",
      params: { regenerated: 'publisher', rerunCtlClient: true },
    },
  },
  // The phones' CallManager group lists the nodes in declaration order: the subscriber first.
  lab: () => {
    const [pub, sub, ...rest] = withSubscriber(mixedModeLab([{ ...P, typed: '' }]), '14').devices;
    if (!pub || !sub) throw new Error('the kit declared no publisher and subscriber');
    return { devices: [sub, pub, ...rest] };
  },
  steps: (v) => {
    const node = v.params.regenerated === 'publisher' ? PUBLISHER : SUBSCRIBER;
    const fails = v.params.regenerated === 'publisher' && !v.params.rerunCtlClient;
    return [
      boot(P.mac, "The phone boots from the subscriber's TFTP and installs the CTL (with the CAPF record)."),
      expectRegisteredWith(P.mac, SUBSCRIBER, 'The CallManager group lists the subscriber first.'),
      act(
        `CAPF is regenerated on the ${v.params.regenerated}`,
        `admin (${node}): set cert regen CAPF${v.params.rerunCtlClient ? ', then the CTL client updates the CTL (eToken 1)' : ''}.`,
        async (lab) => {
          await withCucmReset(lab, [P.mac], async () => {
            await cucm(lab, node).exec('set cert regen CAPF');
            if (v.params.rerunCtlClient) mustSucceed(cucm(lab).updateCtl(etoken(1)));
          });
        },
      ),
      expectThat(
        'show cert own CAPF prints a different certificate on each node',
        'Every node has its own CAPF.pem (seed 003 lists two CAPF certificates in one trust store).',
        async (lab) => {
          const pub = await capfSerial(lab, PUBLISHER);
          const sub = await capfSerial(lab, SUBSCRIBER);
          return { held: pub !== sub, saw: `${PUBLISHER} ${pub}, ${SUBSCRIBER} ${sub}` };
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
      ...(fails
        ? [
            expectStatus(
              P.mac,
              'No valid CAPF server',
              "Seed 002 wording: the publisher's CAPF presented a certificate the CTL does not hold.",
            ),
          ]
        : [
            expectNoStatus(
              P.mac,
              'No valid CAPF server',
              v.params.regenerated === 'publisher'
                ? "The CTL's CAPF record is the publisher's new CAPF.pem."
                : "CAPF runs on the publisher, whose CAPF.pem is still the CTL's record: the subscriber's does not take part.",
            ),
            expectStatus(P.mac, 'LSC Installed', 'CAPF issues the LSC.'),
          ]),
      expectRegisteredWith(
        P.mac,
        SUBSCRIBER,
        'The phone stays with the subscriber: registration never depended on CAPF.',
      ),
    ];
  },
});
