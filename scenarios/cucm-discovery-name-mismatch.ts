import { act, defineScenario, expectLog, expectThat } from '../emulator/scenario.ts';
import { CUCM, DOMAIN, expc, lastEvent } from './kits/expressway.ts';

interface P {
  publisherAddress: string;
  extraSan: string[];
}

export default defineScenario<P>({
  id: 'cucm-discovery-name-mismatch',
  title: 'Unified CM discovery with TLS verify mode On: certificate does not match the publisher address',
  seed: '003',
  tags: ['expressway', 'mra', 'cucm', 'discovery'],
  symptom:
    'Adding the Unified CM publisher fails; the Expressway-C logs Detail="Certificate validation failed" ... Error="Server presented certificate that does not match host ...".',
  rootCause:
    "The publisher address entered on the Expressway-C (a DNS alias) is in neither the SAN nor the CN of CUCM's tomcat certificate, and TLS verify mode is On.",
  fix: 'Reissue the tomcat certificate with that name in the SAN (or enter the name the certificate holds).',
  variants: {
    fault: {
      explain: `The publisher is entered as ucm.${DOMAIN}, an alias the certificate does not list.`,
      params: { publisherAddress: `ucm.${DOMAIN}`, extraSan: [] },
    },
    fix: {
      explain: `tomcat is reissued (CA-signed) with ucm.${DOMAIN} in the SAN.`,
      params: { publisherAddress: `ucm.${DOMAIN}`, extraSan: [`ucm.${DOMAIN}`] },
    },
  },
  lab: (v) => ({
    devices: [
      {
        kind: 'cucm',
        name: CUCM,
        aliases: [`${CUCM}.${DOMAIN}`, `ucm.${DOMAIN}`],
        domain: DOMAIN,
        certificates: {
          tomcat: {
            signedBy: 'enterprise-ca',
            ...(v.params.extraSan.length ? { san: { dns: v.params.extraSan } } : {}),
          },
        },
        phones: [],
        users: [{ id: 'emusk', devices: ['CSFEMUSK'] }],
      },
      {
        kind: 'expressway-c',
        name: 'expc',
        aliases: [`expc.${DOMAIN}`],
        domain: DOMAIN,
        trust: ['enterprise-ca'],
      },
    ],
  }),
  steps: (v) => [
    act(
      'Admin adds the Unified CM publisher with TLS verify mode On',
      'Configuration > Unified Communications > Unified CM servers > New: the Expressway-C connects to the publisher on 8443 and checks its certificate against the address entered.',
      async (lab) => {
        await expc(lab).discoverUnifiedCm(v.params.publisherAddress, 'On');
      },
    ),
    v.name === 'fault'
      ? expectLog(
          'expc',
          `Module="developer.management.cucmconfig" Level="WARN" CodeLocation="ucqueryrun(100)" Detail="Certificate validation failed" Host="${v.params.publisherAddress}" Error="Server presented certificate that does not match host ${v.params.publisherAddress}: {`,
          'The management log line of seed 003, with the certificate as Python prints it.',
        )
      : expectLog(
          'expc',
          `Detail="Unified CM servers discovered" Host="${v.params.publisherAddress}" TLS-verify-mode="On"`,
          'Discovery succeeds with TLS verify mode On.',
        ),
    expectThat('Discovery outcome', 'What the admin sees after Save.', async (lab) => {
      const e = lastEvent(lab, 'expressway.discovery', 'expc');
      if (!e) return { held: false, saw: 'no discovery happened' };
      const outcome = e.outcome === 'discovered' ? `discovered ${e.nodes.join(', ')}` : e.message;
      return {
        held:
          v.name === 'fault'
            ? e.outcome === 'failed' && outcome.startsWith('Unable to communicate')
            : e.outcome === 'discovered',
        saw: outcome,
      };
    }),
  ],
});
