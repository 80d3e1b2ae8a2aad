/**
 * Seed 004 line 419: when X14.2 reports `Core server certificate verification failed ... depth=x`,
 * update the trusted CA list of the Expressway-C servers with the CA chain (depth > 0) or the
 * self-signed certificate (depth = 0), and "make sure you do this on all servers of the cluster"; its
 * diagnostic steps collect the logs "of each individual node of the cluster" (line 395). The trusted
 * CA list is each peer's own: updated on one peer of a two-peer Expressway-C cluster, MRA requests
 * that the Expressway-E hands to the other peer still fail, and only that peer's log says why.
 */

import { ExpresswayC } from '../devices/expressway/expressway-c.ts';
import { act, defineScenario, type Step } from '../emulator/scenario.ts';
import {
  CUCM,
  CUCM_FQDN,
  caCertificate,
  caSignCucmCertificate,
  DOMAIN,
  expectNoTrafficLine,
  expectSignIn,
  expectTrafficLine,
  jabberSignsIn,
} from './kits/expressway.ts';

interface P {
  trustedOn: string[];
}

const PEERS = ['expc1', 'expc2'];

export default defineScenario<P>({
  id: 'expressway-trust-one-c-peer-only',
  title:
    'The CA is added to the trusted CA list of one Expressway-C peer only: MRA requests through the other peer fail',
  seed: '004',
  tags: ['expressway', 'mra', 'cucm', 'x14.2', 'cluster'],
  symptom:
    'After the CA was uploaded to the Expressway-C, MRA sign-in still fails; the first peer logs nothing wrong, the second logs "Core server certificate verification failed ... depth=1" and answers 502.',
  rootCause:
    "Each Expressway-C peer keeps its own trusted CA list. The CA that signed CUCM's tomcat certificate was appended on expc1 only; the Expressway-E hands MRA requests to both peers, and expc2 still cannot verify CUCM.",
  fix: 'Append the CA certificate to the trusted CA list of every Expressway-C peer of the cluster (and collect the logs of every peer when troubleshooting).',
  variants: {
    fault: {
      explain: 'The administrator appended the CA on expc1 only.',
      params: { trustedOn: ['expc1'] },
    },
    fix: {
      explain: 'The CA is appended on both Expressway-C peers.',
      params: { trustedOn: PEERS },
    },
  },
  lab: () => ({
    devices: [
      {
        kind: 'cucm',
        name: CUCM,
        aliases: [CUCM_FQDN],
        domain: DOMAIN,
        processNodeName: 'fqdn',
        phones: [],
        users: [{ id: 'emusk', devices: ['CSFEMUSK'] }],
      },
      ...PEERS.map((name) => ({
        kind: 'expressway-c',
        name,
        aliases: [`${name}.${DOMAIN}`],
        domain: DOMAIN,
        release: 'X14.2',
        upgradedFrom: 'X14.0',
        unifiedCm: [{ publisher: CUCM_FQDN, tlsVerify: 'Off' }],
      })),
      {
        kind: 'expressway-e',
        name: 'expe',
        aliases: [`expe.${DOMAIN}`],
        domain: DOMAIN,
        certificate: { signedBy: 'public-ca' },
        mra: { expresswayC: PEERS },
      },
      { kind: 'jabber', name: 'jabber-emusk', user: 'emusk', domain: DOMAIN, via: `expe.${DOMAIN}` },
    ],
  }),
  steps: (v) => {
    const steps: Step[] = [
      act(
        'The CUCM administrator has tomcat signed by uclab-OTHER-CA',
        'Generate CSR, the CA signs it, Upload Certificate/Certificate chain; Cisco Tomcat restarts with it.',
        async (lab) => {
          await caSignCucmCertificate(lab, CUCM, 'tomcat', 'other-ca');
        },
      ),
      act(
        `Admin appends the uclab-OTHER-CA certificate on ${v.params.trustedOn.join(' and ')}`,
        "Maintenance > Security > Trusted CA certificate > Append CA certificate, on each peer's own web interface.",
        async (lab) => {
          const pem = await caCertificate(lab, 'other-ca');
          for (const peer of v.params.trustedOn) {
            const r = lab.device(peer, ExpresswayC).uploadTrust(pem);
            if (!r.ok) throw new Error(r.error.message);
          }
        },
      ),
      jabberSignsIn(),
      expectNoTrafficLine(
        'Core server certificate verification failed',
        'expc1 has the CA: every request it served verified CUCM.',
        'expc1',
      ),
    ];
    if (v.name === 'fault')
      steps.push(
        expectTrafficLine(
          `[ET_NET 0] WARNING: Core server certificate verification failed for (${CUCM_FQDN}). Action=Terminate Error=self signed certificate in certificate chain server=${CUCM_FQDN}({ip}) depth=1`,
          "Only expc2's log shows the failure: its trusted CA list never got the CA (seed 004: depth above 0, an unknown CA).",
          CUCM,
          'expc2',
        ),
        expectTrafficLine(
          'Msg="HTTP/1.1 502 connect failed"',
          'expc2 answers 502 connect failed.',
          CUCM,
          'expc2',
        ),
        expectSignIn(
          false,
          'The request expc2 served failed, so the sign-in fails: "Cannot communicate with the server."',
        ),
      );
    else
      steps.push(
        expectNoTrafficLine(
          'Core server certificate verification failed',
          'expc2 verifies CUCM too.',
          'expc2',
        ),
        expectSignIn(true, 'Whichever peer serves a request, CUCM verifies: Jabber is signed in.'),
      );
    return steps;
  },
});
