import { createPublicKey, X509Certificate } from 'node:crypto';
import { enterpriseCaFor } from '../certs/lab-pki.ts';
import { connectOrigin } from '../devices/expressway/origin.ts';
import type { Lab } from '../emulator/lab.ts';
import { act, defineScenario, expectLog, expectThat } from '../emulator/scenario.ts';
import { CUCM, CUCM_FQDN, cucmExec, cucmOutput, DOMAIN, expc, pemIn } from './kits/expressway.ts';

interface P {
  signedBy: 'self' | 'enterprise-ca';
}

/** `show cert own <unit>` on the CUCM admin CLI, as the admin copies the PEM from it. */
async function ownCertPem(lab: Lab, unit: string): Promise<string> {
  const out = await cucmExec(lab, `show cert own ${unit}`);
  const pem = pemIn(out);
  if (!pem) throw new Error(`show cert own ${unit} printed no certificate: ${out.slice(0, 200)}`);
  return pem;
}

/** The name under which the trainer's probe of tomcat records its verdict on the timeline. */
const PROBE = `uclab probe origin ${CUCM_FQDN}:8443`;

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
              expc(lab).uploadTrust(await ownCertPem(lab, 'tomcat'));
            },
          ),
          act(
            'Admin uploads the CallManager certificate',
            'show cert own CallManager: a second self-signed certificate, a different key, the same CN.',
            async (lab) => {
              expc(lab).uploadTrust(await ownCertPem(lab, 'CallManager'));
            },
          ),
          expectLog(
            'expc',
            `same common name (CN=${CUCM_FQDN}) is already in the trusted CA list (CSCwa12905)`,
            'The second upload is refused.',
          ),
          expectThat('Upload outcomes', 'The first upload is accepted, the second refused.', async (lab) => {
            const outcomes = lab.timeline
              .ofKind('expressway.trust-store', 'expc')
              .filter((e) => e.action === 'append')
              .map((e) => (e.accepted ? 'accepted' : e.message));
            return {
              held: outcomes[0] === 'accepted' && (outcomes[1] ?? '').includes('CSCwa12905'),
              saw: outcomes.join(' | '),
            };
          }),
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
          act(
            'The trainer probes tomcat (8443) as the X14.2 traffic server would',
            'uclab probe origin from the Expressway-C address, with the trusted CA list as "Show all (PEM file)" gives it and the cipher list xConfiguration Ciphers shows.',
            async (lab) => {
              const c = expc(lab);
              const trust = c
                .trustedCaPem()
                .match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g);
              const ciphers = /Ciphers: "([^"]*)"/.exec(await c.exec('xConfiguration Ciphers'))?.[1] ?? '';
              const r = await connectOrigin(
                lab.fabric,
                'expc',
                { host: CUCM_FQDN, port: 8443 },
                { verify: true, trust: trust ?? [], ciphers },
              );
              if (r.ok) r.value.conn.socket.destroy();
              lab.timeline.emit('admin', 'action', {
                name: PROBE,
                detail: r.ok ? 'verified' : r.error.lines.join(' | '),
              });
            },
          ),
          expectThat(
            'tomcat (8443) verifies against the Expressway-C trust store',
            'As the X14.2 traffic server would check it.',
            async (lab) => {
              const probe = lab.timeline
                .ofKind('action', 'admin')
                .filter((e) => e.name === PROBE)
                .at(-1);
              return { held: probe?.detail === 'verified', saw: probe?.detail ?? 'the probe did not run' };
            },
          ),
          act(
            'Admin looks at the CallManager certificate on CUCM',
            'show cert own CallManager: the certificate CUCM presents on 5061, CA-signed like tomcat.',
            async (lab) => {
              await cucmExec(lab, 'show cert own CallManager');
            },
          ),
          expectThat(
            'CallManager chains to the same trusted CA',
            'Same CN, different certificate: no second upload needed.',
            async (lab) => {
              const pem = pemIn(cucmOutput(lab, 'show cert own CallManager') ?? '');
              if (!pem) return { held: false, saw: 'show cert own CallManager printed no certificate' };
              const c = new X509Certificate(pem);
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
