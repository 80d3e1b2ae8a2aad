/**
 * Seed 003, "Certificate Monitor Daemon": CUCM's Certificate Monitor raises CertValidLessThanMonth,
 * CertValidfor7days and CertValidLessthanADay for certificates close to (or past) their expiry; the
 * catalog's CertExpired is obsolete and never raised. The fix is the
 * planned regeneration; the next monitor pass raises nothing for the regenerated certificates.
 */
import type { LabEvent } from '../emulator/events.ts';
import { act, byTrainee, defineScenario, expectLog, expectThat, solvedWhen } from '../emulator/scenario.ts';
import { cucm, cucmLab, PUBLISHER } from './kits/cucm.ts';

interface Params {
  regenerate: boolean;
}

const NODE = PUBLISHER;

export default defineScenario<Params>({
  id: 'cert-monitor-expiry',
  title: 'Certificate Monitor: alarms at 30 days, 7 days and a day (or expired)',
  seed: '003',
  tags: ['cucm', 'certificates', 'alarms'],
  symptom:
    'RTMT / syslog show CertValidLessThanMonth for tomcat, CertValidfor7days for CallManager and CertValidLessthanADay for ipsec on cucm-pub.',
  rootCause:
    'The certificates were issued long ago and nobody regenerated them: tomcat expires in 20 days, CallManager in 5 days, ipsec expired yesterday.',
  fix: 'Regenerate the certificates (set cert regen <unit>) in a maintenance window, one unit at a time; the next Certificate Monitor pass is clean.',
  variants: {
    fault: {
      explain: 'The certificates are left as they are: every monitor pass raises the alarms.',
      params: { regenerate: false },
    },
    fix: {
      explain:
        'The administrator regenerates tomcat, CallManager and ipsec after the first alarms; the next pass raises none for them.',
      params: { regenerate: true },
    },
  },
  exercise: {
    task: 'The CUCM publisher raises certificate alarms (%UC_CERT-...) on every Certificate Monitor pass. Make the next pass quiet, from the CUCM console (uclab console cucm-pub).',
    solvedBy: 'fix',
    hints: [
      "Each alarm names its unit (Unit:...): list the node's own certificates with show cert list own and look at their dates with show cert own <unit>.",
      'tomcat, CallManager and ipsec expire soon or have expired. A self-signed certificate is renewed by regenerating it.',
      'set cert regen <unit> for each of the three, one at a time; the next Certificate Monitor pass checks them again.',
    ],
  },
  lab: () =>
    cucmLab([], {
      certMonitorInterval: '1s',
      certificates: {
        tomcat: { notBefore: '-1800d', notAfter: '+20d' },
        CallManager: { notBefore: '-1800d', notAfter: '+5d' },
        ipsec: { notBefore: '-1826d', notAfter: '-1d' },
      },
    }),
  steps: (v) => [
    expectLog(
      NODE,
      /%UC_CERT-4-CertValidLessThanMonth: .*Unit:tomcat /,
      'tomcat expires in 20 days: inside the 30-day window (seed 003 alarm catalog).',
    ),
    expectLog(
      NODE,
      /%UC_CERT-3-CertValidfor7days: .*Unit:CallManager /,
      'CallManager expires in 5 days: the 7-day alarm, more severe.',
    ),
    expectLog(
      NODE,
      /%UC_CERT-2-CertValidLessthanADay: .*Unit:ipsec /,
      'ipsec expired yesterday: the last-day alarm, the most severe (the lab raises it past expiry too).',
    ),
    expectThat(
      'no obsolete alarm (CertExpired, CertExpiryApproaching) is raised',
      'Seed 003\'s CertMonitorAlarmCatalog marks both "This alarm is Obsolete.": CUCM raises the current ones.',
      async (lab) => {
        const obsolete = lab.timeline
          .ofKind('cucm.alarm', NODE)
          .filter((e) => e.alarm === 'CertExpired' || e.alarm === 'CertExpiryApproaching')
          .map((e) => `${e.alarm}(${e.unit})`);
        const raised = [...new Set(lab.timeline.ofKind('cucm.alarm', NODE).map((e) => e.alarm))];
        return { held: obsolete.length === 0, saw: `alarms raised: ${raised.join(', ') || 'none'}` };
      },
    ),
    ...(v.params.regenerate
      ? [
          byTrainee(
            act(
              'admin:set cert regen tomcat',
              'A new self-signed tomcat certificate, valid 5 years; Tomcat restarts.',
              async (lab) => {
                await cucm(lab, NODE).exec('set cert regen tomcat');
              },
            ),
          ),
          byTrainee(
            act(
              'admin:set cert regen CallManager',
              'New CallManager certificate: the ITL is re-signed and the phones reset.',
              async (lab) => {
                await cucm(lab, NODE).exec('set cert regen CallManager');
              },
            ),
          ),
          byTrainee(
            act(
              'admin:set cert regen ipsec',
              'New ipsec certificate (DRF restart on the real box).',
              async (lab) => {
                await cucm(lab, NODE).exec('set cert regen ipsec');
              },
            ),
          ),
        ]
      : []),
    solvedWhen(
      expectThat(
        v.params.regenerate
          ? 'the next monitor pass raises no alarm'
          : 'the next monitor pass raises the three alarms again',
        v.params.regenerate
          ? 'After regeneration every certificate is valid for years: the Certificate Monitor is quiet.'
          : 'Nothing changed: every Notification Frequency period brings the same alarms.',
        async (lab) => {
          const since = lab.timeline.events().length;
          const done = (await lab.timeline.waitFor(
            'the next Certificate Monitor pass',
            (e) =>
              e.kind === 'log' &&
              e.device === NODE &&
              e.source === 'certmonitor' &&
              e.text.startsWith('Certificate Monitor: checked'),
            { since, timeoutMs: 5000 },
          )) as LabEvent<'log'>;
          const alarms = lab.timeline
            .ofKind('cucm.alarm', NODE)
            // Own certificates (their self-signed copies in the -trust stores alarm too, as on CUCM).
            .filter((e) => e.seq > since && e.seq < done.seq && e.store === 'own')
            .map((e) => `${e.alarm}(${e.unit})`);
          const held = v.params.regenerate ? alarms.length === 0 : alarms.length === 3;
          return { held, saw: `${done.text}; alarms: ${alarms.join(', ') || 'none'}` };
        },
      ),
    ),
  ],
});
