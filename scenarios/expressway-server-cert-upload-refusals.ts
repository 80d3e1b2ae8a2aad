/**
 * Seed 003's "Troubleshooting: Common Issues" (lines 411-417) at the Expressway's server certificate
 * upload, for an externally requested certificate uploaded with its private key (lines 224-229): "a
 * 8192 bit key length - this is not supported", "Wild cards not supported (*.example.com)", and
 * "Uploaded private key file missing a newline at the end of the file (may cause service issues with
 * MRA)". The first two are refused; the third is taken, with a warning, because the seed calls it a
 * cause of later service issues, not a refusal. The seed gives these as a TAC deck's bullets: the GUI
 * texts the lab shows for them are its own (L).
 */
import { act, defineScenario, expectLog, expectNoLog, expectThat } from '../emulator/scenario.ts';
import { expc, externallyRequestedCertificate, lastEvent } from './kits/expressway.ts';

interface P {
  key: 'rsa2048' | 'rsa8192';
  wildcard: boolean;
  finalNewline: boolean;
  /** The code the upload is refused with, 'accepted', or 'accepted-with-warning'. */
  outcome: string;
}

const NEWLINE_WARNING =
  'Uploaded private key file is missing a newline at the end of the file (may cause service issues with MRA)';

export default defineScenario<P>({
  id: 'expressway-server-cert-upload-refusals',
  title:
    'Expressway server certificate upload: an 8192-bit key and a wildcard are refused, a key file without a final newline warns',
  seed: '003',
  tags: ['expressway', 'certificates'],
  symptom:
    'Uploading an externally requested server certificate with its private key fails with "Invalid certificate: ..." (an 8192-bit key, a wildcard name), or is taken with the warning that the private key file is missing a newline at the end.',
  rootCause:
    'Expressway supports keys up to 4096 bits, no wildcard names (the Unified Communications features need the exact names in the SAN), and expects the private key file to end with a newline (seed 003: a missing one "may cause service issues with MRA").',
  fix: 'Request the certificate with a key of at most 4096 bits and the Expressway FQDN (plus the SANs the features need) instead of *.domain, and save the private key file with a newline at its end.',
  variants: {
    'fault-8192-bit-key': {
      explain: 'The CA signed a CSR made outside the Expressway with an 8192-bit RSA key.',
      params: {
        key: 'rsa8192',
        wildcard: false,
        finalNewline: true,
        outcome: 'expressway.cert.key-too-long',
      },
    },
    'fault-wildcard': {
      explain: 'The certificate is issued to *.lab.example (CN and SAN).',
      params: { key: 'rsa2048', wildcard: true, finalNewline: true, outcome: 'expressway.cert.wildcard' },
    },
    'fault-key-no-final-newline': {
      explain:
        'A good certificate, but its private key file was saved without the newline after END PRIVATE KEY.',
      params: { key: 'rsa2048', wildcard: false, finalNewline: false, outcome: 'accepted-with-warning' },
    },
    fix: {
      explain: 'A 2048-bit certificate for expc.lab.example, its key file ending with a newline.',
      params: { key: 'rsa2048', wildcard: false, finalNewline: true, outcome: 'accepted' },
    },
  },
  lab: () => ({
    devices: [{ kind: 'expressway-c', name: 'expc', aliases: ['expc.lab.example'], domain: 'lab.example' }],
  }),
  steps: (v) => [
    act(
      'Admin uploads the externally requested server certificate and its private key',
      'Maintenance > Security > Server certificate > Upload new certificate, with the private key file (there is no CSR in progress on the Expressway).',
      async (lab) => {
        const id = await externallyRequestedCertificate(lab, {
          cn: 'expc.lab.example',
          key: v.params.key,
          wildcard: v.params.wildcard,
        });
        const keyPem = v.params.finalNewline ? id.keyPem : id.keyPem.trimEnd();
        expc(lab).uploadServerCertificate(id.certPem, keyPem);
      },
    ),
    ...(v.params.outcome === 'expressway.cert.key-too-long'
      ? [
          expectLog(
            'expc',
            'Invalid certificate: A 8192 bit key is not supported (at most 4096 bits)',
            'Seed 003: "Keys longer than 4096bits should not be used" (line 229), "a 8192 bit key length - this is not supported" (line 413); the GUI text is the lab\'s (L).',
          ),
        ]
      : v.params.outcome === 'expressway.cert.wildcard'
        ? [
            expectLog(
              'expc',
              'Invalid certificate: Wildcard certificates are not supported',
              'Seed 003: "Wild cards not supported (*.example.com)" (lines 183, 417); the GUI text is the lab\'s (L).',
            ),
          ]
        : v.params.outcome === 'accepted-with-warning'
          ? [
              expectLog(
                'expc',
                NEWLINE_WARNING,
                'Seed 003 line 414 names the fault and its risk; the warning is built from that bullet (M).',
              ),
              expectLog(
                'expc',
                'Server certificate uploaded: restart required',
                'The certificate itself is taken.',
              ),
            ]
          : [
              expectLog(
                'expc',
                'Server certificate uploaded: restart required',
                'Accepted; a restart makes it active (seed 003 line 207).',
              ),
              expectNoLog('expc', 'missing a newline', 'No warning.'),
            ]),
    expectThat('Upload outcome', 'What the admin sees after pressing Upload.', async (lab) => {
      const e = lastEvent(lab, 'expressway.server-certificate', 'expc');
      if (!e) return { held: false, saw: 'no upload happened' };
      const seen = e.accepted
        ? e.warnings.length > 0
          ? 'accepted-with-warning'
          : 'accepted'
        : (e.code ?? 'refused');
      return { held: seen === v.params.outcome, saw: `${seen}: ${e.message}` };
    }),
  ],
});
