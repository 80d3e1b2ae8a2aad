import { act, defineScenario, expectLog, expectThat } from '../emulator/scenario.ts';
import { expc, lastEvent } from './kits/expressway.ts';

type Ca = 'enterprise-ca' | 'public-ca' | 'other-ca';
interface P {
  eCert: Ca;
  cCert: Ca;
  cTrust: Ca[];
  eTrust: Ca[];
}

export default defineScenario<P>({
  id: 'traversal-unknown-ca',
  title: 'Traversal zone on 7001 fails with "tlsv1 alert unknown ca"',
  seed: '003',
  tags: ['expressway', 'traversal', 'certificates'],
  symptom:
    'The traversal zone stays down; the logs show "Outbound/Inbound TLS Negotiation Error ... Dst-port="7001" Detail="tlsv1 alert unknown ca"" and the secure traversal test fails.',
  rootCause:
    "One Expressway does not have the CA that signed its peer's certificate in its trusted CA list, so it rejects the peer's certificate during the mutual-TLS handshake on 7001 and sends the unknown_ca alert.",
  fix: "Upload the root (and intermediate) CA certificate that signed the peer's certificate to the trusted CA list.",
  variants: {
    fault: {
      explain:
        'Expressway-E has a public CA certificate; the Expressway-C does not trust that CA: the C sends unknown_ca to the E.',
      params: {
        eCert: 'public-ca',
        cCert: 'enterprise-ca',
        cTrust: ['enterprise-ca'],
        eTrust: ['enterprise-ca', 'public-ca'],
      },
    },
    'fault-e-side': {
      explain:
        "The C's certificate comes from a CA the E does not trust: the E sends unknown_ca and the C logs it (seed 003's line).",
      params: {
        eCert: 'enterprise-ca',
        cCert: 'other-ca',
        cTrust: ['enterprise-ca', 'other-ca'],
        eTrust: ['enterprise-ca'],
      },
    },
    fix: {
      explain: "The public CA is uploaded to the Expressway-C's trusted CA list.",
      params: {
        eCert: 'public-ca',
        cCert: 'enterprise-ca',
        cTrust: ['enterprise-ca', 'public-ca'],
        eTrust: ['enterprise-ca', 'public-ca'],
      },
    },
  },
  lab: (v) => ({
    devices: [
      {
        kind: 'expressway-e',
        name: 'expe',
        aliases: ['expe.lab.example'],
        domain: 'lab.example',
        certificate: { signedBy: v.params.eCert },
        trust: v.params.eTrust,
        traversal: { tlsVerifySubjectName: 'expc.lab.example' },
      },
      {
        kind: 'expressway-c',
        name: 'expc',
        aliases: ['expc.lab.example'],
        domain: 'lab.example',
        certificate: { signedBy: v.params.cCert },
        trust: v.params.cTrust,
      },
    ],
  }),
  steps: (v) => [
    act(
      'Admin runs the secure traversal test on the Expressway-C',
      'Maintenance > Security > Secure traversal test: FQDN of Expressway-E expe.lab.example, TLS verify name of this Expressway-C expc.lab.example.',
      async (lab) => {
        await expc(lab).secureTraversalTest({
          expresswayE: 'expe.lab.example',
          tlsVerifyName: 'expc.lab.example',
        });
      },
    ),
    ...(v.name === 'fault'
      ? [
          expectLog(
            'expe',
            /Event="Inbound TLS Negotiation Error" .*Dst-port="7001" Detail="tlsv1 alert unknown ca"/,
            'The E receives the unknown_ca alert the C sent when it could not chain the E certificate to a trusted CA (seed 003 capture: Alert Unknown CA from the C).',
          ),
          expectLog(
            'expc',
            /Event="Outbound TLS Negotiation Error" .*Dst-port="7001" Detail="certificate verify failed"/,
            'The C could not verify the E certificate.',
          ),
        ]
      : v.name === 'fault-e-side'
        ? [
            expectLog(
              'expc',
              /Event="Outbound TLS Negotiation Error" Service="SIP" .*Dst-port="7001" Detail="tlsv1 alert unknown ca" Protocol="TLS" Common-name="expc.lab.example" Level="1"/,
              "The C's log line of seed 003: the E refused the C's certificate with unknown_ca.",
            ),
          ]
        : [
            expectLog(
              'expe',
              /Event="Inbound TLS Connection" .*Dst-port="7001"/,
              'The mutual-TLS handshake on 7001 completes.',
            ),
          ]),
    expectThat('Secure traversal test result', 'What the test page shows under Results.', async (lab) => {
      const e = lastEvent(lab, 'expressway.traversal-test', 'expc');
      if (!e) return { held: false, saw: 'the test did not run' };
      const result = `${e.result}: ${e.description}`;
      return {
        held: v.name === 'fix' ? result === 'Success: Success' : result.startsWith('Failure'),
        saw: result,
      };
    }),
  ],
});
