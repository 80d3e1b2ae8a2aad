import { issueServerCert } from '../devices/expressway/pki.ts';
import { act, defineScenario, expectLog, expectThat } from '../emulator/scenario.ts';
import { expc, lastEvent } from './kits/expressway.ts';

interface P {
  eku: ('serverAuth' | 'clientAuth')[];
}

const NO_CLIENT =
  'Invalid certificate: The file provided does not have a client usage attribute. The certificate must be usable for both servers and clients for Unified Communications.';

export default defineScenario<P>({
  id: 'expressway-cert-no-client-eku',
  title: 'Expressway refuses a server certificate without the clientAuth usage',
  seed: '003',
  tags: ['expressway', 'certificates'],
  symptom: `Uploading the new server certificate fails: "${NO_CLIENT}"`,
  rootCause:
    'The CA signed the CSR with the Web Server template (serverAuth only); Expressway needs both TLS Web Server and TLS Web Client Authentication, because it is a TLS client too (traversal, MRA).',
  fix: 'Have the CA sign with a template that adds both serverAuth and clientAuth EKUs, and upload that certificate.',
  variants: {
    fault: { explain: 'The certificate carries only the serverAuth EKU.', params: { eku: ['serverAuth'] } },
    fix: {
      explain: 'The certificate carries serverAuth and clientAuth.',
      params: { eku: ['serverAuth', 'clientAuth'] },
    },
  },
  lab: () => ({
    devices: [{ kind: 'expressway-c', name: 'expc', aliases: ['expc.lab.example'], domain: 'lab.example' }],
  }),
  steps: (v) => [
    act(
      'Admin uploads the CA-signed server certificate and its private key',
      'Maintenance > Security > Server certificate > Upload new certificate: the certificate signed by the enterprise CA from the Expressway CSR.',
      async (lab) => {
        const id = await issueServerCert(
          { seed: lab.seed, start: lab.clock.start },
          'expc-new',
          'expc.lab.example',
          { eku: v.params.eku },
        );
        expc(lab).uploadServerCertificate(id.certPem, id.keyPem);
      },
    ),
    v.name === 'fault'
      ? expectLog('expc', NO_CLIENT, 'The exact message of the Expressway GUI (seed 003).')
      : expectLog(
          'expc',
          'Server certificate uploaded',
          'The certificate is accepted; a restart makes it active.',
        ),
    expectThat('Upload outcome', 'What the admin sees after pressing Upload.', async (lab) => {
      const e = lastEvent(lab, 'expressway.server-certificate', 'expc');
      if (!e) return { held: false, saw: 'no upload happened' };
      const outcome = e.accepted ? 'accepted' : e.message;
      return { held: v.name === 'fault' ? outcome === NO_CLIENT : outcome === 'accepted', saw: outcome };
    }),
  ],
});
