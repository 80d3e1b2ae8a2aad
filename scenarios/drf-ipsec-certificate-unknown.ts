/**
 * Seed 003, "ipsec certificate Issue": DRF (Disaster Recovery Framework) between a publisher and a
 * subscriber. The Local Agent of every node holds a TLS connection to the DRF Master Agent on the
 * publisher, each end presenting its ipsec certificate and checking the other's against ipsec-trust
 * ("Cisco DRF Master/Local (Network) – ipsec/ipsec-trust"). The publisher's ipsec certificate is
 * regenerated and, as seed 003 says, that "Requires restart of DRF (Master) and Local service": the
 * administrator restarts them on the publisher only. The subscriber's DRF Local still holds the
 * ipsec-trust it read when it started, without the new certificate: its JSSE trust manager refuses the
 * Master, sends certificate_unknown, and the Master logs seed 003's lines at each of its retries.
 * The subscriber drops out of DRF backups ("DRF backup Failure", seed 003).
 *
 * In the lab, ipsec-trust is the cluster's one replicated store, so it holds the new certificate at
 * once; what lacks it is the Local Agent's copy in memory (devices/cucm/drf.ts). Which ipsec-trust a
 * customer's subscriber held is not in the seed: where replication did not bring the new certificate
 * there either, the fix needs the upload of the publisher's ipsec.pem into the subscriber's
 * ipsec-trust before the same restart.
 */
import type { Lab } from '../emulator/lab.ts';
import { act, defineScenario, expectLog, expectNoLog, expectThat } from '../emulator/scenario.ts';
import { cucm, cucmLab, PUBLISHER } from './kits/cucm.ts';
import { SUBSCRIBER, withSubscriber } from './kits/faults.ts';

interface Params {
  /** The administrator restarts Cisco DRF Local on the subscriber too. */
  restartSubscriber: boolean;
}

/** Where the regeneration happened on the timeline (its `cli` action), so checks read what came after. */
function regenerated(lab: Lab): number {
  return (
    lab.timeline
      .ofKind('action', PUBLISHER)
      .filter((e) => e.name === 'cli' && e.detail === 'admin:set cert regen ipsec')
      .at(-1)?.seq ?? 0
  );
}

/** The subscriber's Local Agent reports a connection attempt with `state` (after the regeneration when `after`). */
function expectSubscriberAgent(state: 'connected' | 'failed', explain: string, after: boolean) {
  return expectThat(
    `${SUBSCRIBER}'s DRF Local Agent ${state === 'connected' ? 'connects to' : 'cannot connect to'} the Master`,
    explain,
    async (lab) => {
      try {
        const e = await lab.timeline.waitFor(
          `${SUBSCRIBER} DRF Local ${state}`,
          (x) => x.kind === 'cucm.drf' && x.device === SUBSCRIBER && x.agent === 'local' && x.state === state,
          { timeoutMs: 8000, since: after ? regenerated(lab) : 0 },
        );
        return { held: true, saw: e.kind === 'cucm.drf' ? `${e.state}: ${e.detail}` : e.kind };
      } catch {
        const last = lab.timeline.ofKind('cucm.drf', SUBSCRIBER).at(-1);
        return { held: false, saw: last ? `${last.state}: ${last.detail}` : 'no DRF Local event' };
      }
    },
  );
}

export default defineScenario<Params>({
  id: 'drf-ipsec-certificate-unknown',
  title: 'DRF after an ipsec regeneration: Received fatal alert: certificate_unknown',
  seed: '003',
  tags: ['cucm', 'cluster', 'drf', 'ipsec', 'regeneration'],
  symptom:
    'The subscriber\'s DRF Local cannot connect to the DRF Master, so DRF backups fail for it (seed 003: "DRF backup Failure"); the DRF Master log on the publisher repeats "drfNetServerWorker.drfNetServerWorker: Unable to create input/output stream to client" / "Received fatal alert: certificate_unknown" for the subscriber\'s address.',
  rootCause:
    "The publisher's ipsec certificate was regenerated and DRF was restarted on the publisher only. The subscriber's DRF Local still trusts the ipsec-trust it loaded at its start, which lacks the new certificate: it refuses the Master's certificate and sends certificate_unknown.",
  fix: "After an ipsec regeneration, make sure every node's ipsec-trust holds the publisher's new ipsec.pem (upload it as ipsec-trust where it is missing), then restart Cisco DRF Master on the publisher and Cisco DRF Local on every node (utils service restart Cisco DRF Local).",
  variants: {
    fault: {
      explain: 'ipsec regenerated on the publisher; DRF Master and Local restarted there only.',
      params: { restartSubscriber: false },
    },
    fix: {
      explain: 'The same, then Cisco DRF Local restarted on the subscriber as well.',
      params: { restartSubscriber: true },
    },
  },
  lab: () => withSubscriber(cucmLab([]), '14'),
  steps: (v) => [
    expectSubscriberAgent(
      'connected',
      'Before the change both ends trust each other: the subscriber is in the DRF backups.',
      false,
    ),
    act(
      "The publisher's ipsec certificate is regenerated",
      `admin: set cert regen ipsec; utils service restart Cisco DRF Master / Cisco DRF Local on the publisher${v.params.restartSubscriber ? ', then Cisco DRF Local on the subscriber' : ''}.`,
      async (lab) => {
        await cucm(lab).exec('set cert regen ipsec');
        await cucm(lab).exec('utils service restart Cisco DRF Master');
        await cucm(lab).exec('utils service restart Cisco DRF Local');
        if (v.params.restartSubscriber)
          await cucm(lab, SUBSCRIBER).exec('utils service restart Cisco DRF Local');
      },
    ),
    ...(v.params.restartSubscriber
      ? [
          expectSubscriberAgent(
            'connected',
            'The restarted Local Agent read ipsec-trust again, with the new certificate: it trusts the Master.',
            true,
          ),
          expectNoLog(
            PUBLISHER,
            'Received fatal alert: certificate_unknown',
            'No DRF connection is refused.',
          ),
        ]
      : [
          expectSubscriberAgent(
            'failed',
            "The subscriber's DRF Local refuses the Master's new certificate (its JSSE trust manager: PKIX path building failed).",
            true,
          ),
          expectLog(
            PUBLISHER,
            'drfNetServerWorker.drfNetServerWorker: Unable to create input/output stream to client',
            'Seed 003 wording: the Master cannot open the streams of the connection.',
            { timeoutMs: 8000 },
          ),
          expectLog(
            PUBLISHER,
            'Received fatal alert: certificate_unknown',
            'Seed 003 wording: JSSE on the subscriber sent certificate_unknown, as it does for any certificate its trust store refuses.',
            { timeoutMs: 8000 },
          ),
        ]),
  ],
});
