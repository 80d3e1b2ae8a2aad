import { createPublicKey, X509Certificate } from 'node:crypto';
import { enterpriseCaFor } from '../certs/lab-pki.ts';
import { connectOrigin } from '../devices/expressway/origin.ts';
import { CUCM, CUCM_FQDN, DOMAIN, expc } from '../devices/expressway/scenario-kit.ts';
import type { Lab } from '../emulator/lab.ts';
import { act, defineScenario, expectLog, expectThat } from '../emulator/scenario.ts';

interface P {
  signedBy: 'self' | 'enterprise-ca';
}

const outcomes: string[] = [];

/** `show cert own <unit>` on the CUCM admin CLI, as the admin copies the PEM from it. */
async function ownCertPem(lab: Lab, unit: string): Promise<string> {
  const out = await (lab.device(CUCM) as unknown as { exec(c: string): Promise<string> }).exec(
    `show cert own ${unit}`,
  );
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(out)?.[0];
  if (!pem) throw new Error(`show cert own ${unit} printed no certificate: ${out.slice(0, 200)}`);
  return `${pem}\n`;
}

export default defineScenario<P>({
  id: 'expressway-trust-same-cn',
  title: 'Expressway refuses a second trusted certificate with the same CN (CSCwa12905)',
  seed: '004',
  tags: ['expressway', 'certificates', 'cucm'],
  symptom:
    "Uploading CUCM's CallManager certificate to the Expressway-C trusted CA list fails after its tomcat certificate was uploaded: both self-signed, both CN=<CUCM FQDN>.",
  rootCause:
    'Expressway does not chain by AKI/SKI as CUCM does; it keys its trusted CA list by subject, so two different certificates with one CN cannot both be trusted (CSCwa12905).',
  fix: 'Use CA-signed CUCM certificates and trust the CA once (or reuse one certificate for tomcat and CallManager, CUCM 14).',
  variants: {
    fault: {
      explain: 'tomcat and CallManager are self-signed, both CN=cucm-pub.lab.example.',
      params: { signedBy: 'self' },
    },
    fix: {
      explain: 'tomcat and CallManager are signed by the enterprise CA; only the CA is uploaded.',
      params: { signedBy: 'enterprise-ca' },
    },
  },
  lab: (v) => ({
    devices: [
      {
        kind: 'cucm',
        name: CUCM,
        aliases: [CUCM_FQDN],
        domain: DOMAIN,
        certificates: {
          tomcat: { signedBy: v.params.signedBy },
          CallManager: { signedBy: v.params.signedBy },
        },
        phones: [],
        users: [],
      },
      { kind: 'expressway-c', name: 'expc', aliases: [`expc.${DOMAIN}`], domain: DOMAIN, trust: [] },
    ],
  }),
  steps: (v) =>
    v.name === 'fault'
      ? [
          act(
            'Admin uploads the tomcat certificate',
            'show cert own tomcat on CUCM, then Maintenance > Security > Trusted CA certificate > Append CA certificate on the Expressway-C.',
            async (lab) => {
              outcomes.length = 0;
              const r = expc(lab).uploadTrust(await ownCertPem(lab, 'tomcat'));
              outcomes.push(r.ok ? 'accepted' : r.error.message);
            },
          ),
          act(
            'Admin uploads the CallManager certificate',
            'show cert own CallManager: a second self-signed certificate, a different key, the same CN.',
            async (lab) => {
              const r = expc(lab).uploadTrust(await ownCertPem(lab, 'CallManager'));
              outcomes.push(r.ok ? 'accepted' : r.error.message);
            },
          ),
          expectLog(
            'expc',
            `same common name (CN=${CUCM_FQDN}) is already in the trusted CA list (CSCwa12905)`,
            'The second upload is refused.',
          ),
          expectThat('Upload outcomes', 'The first upload is accepted, the second refused.', async () => ({
            held: outcomes[0] === 'accepted' && (outcomes[1] ?? '').includes('CSCwa12905'),
            saw: outcomes.join(' | '),
          })),
        ]
      : [
          act(
            'Admin uploads the enterprise root CA',
            'One trusted CA covers every CA-signed CUCM certificate.',
            async (lab) => {
              const ca = await enterpriseCaFor({ seed: lab.seed, start: lab.clock.start });
              const r = expc(lab).uploadTrust(ca.certPem);
              if (!r.ok) throw new Error(r.error.message);
            },
          ),
          expectThat(
            'tomcat (8443) verifies against the Expressway-C trust store',
            'As the X14.2 traffic server would check it.',
            async (lab) => {
              const r = await connectOrigin(
                lab.fabric,
                'expc',
                { host: CUCM_FQDN, port: 8443 },
                { ...expc(lab).originConfig(), verify: true },
              );
              if (r.ok) r.value.conn.socket.destroy();
              return { held: r.ok, saw: r.ok ? 'verified' : r.error.lines.join(' | ') };
            },
          ),
          expectThat(
            'CallManager chains to the same trusted CA',
            'Same CN, different certificate: no second upload needed.',
            async (lab) => {
              const c = new X509Certificate(await ownCertPem(lab, 'CallManager'));
              const ca = new X509Certificate(
                (await enterpriseCaFor({ seed: lab.seed, start: lab.clock.start })).certPem,
              );
              const held = c.verify(createPublicKey(ca.publicKey.export({ type: 'spki', format: 'pem' })));
              return {
                held,
                saw: `${c.subject.replace(/\n/g, ', ')} issued by ${c.issuer.replace(/\n/g, ', ')}`,
              };
            },
          ),
        ],
});
