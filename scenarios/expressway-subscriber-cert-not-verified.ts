/**
 * Seed 004 line 126: TLS verify mode checks the certificate "only when the CUCM / IM&P / Unity servers
 * are discovered", and "only for the publisher address that you add. It does not validate whether the
 * certificate of the subscriber nodes has been set up correctly, as it gets the subscriber node
 * information (FQDN or IP) from the publisher node's database." From X14.2 every request is verified
 * (line 132), which can break "redundancy or failover". Here the subscriber's tomcat certificate is
 * still self-signed: discovery with TLS verify mode On succeeds, Jabber signs in through the publisher,
 * and the day the publisher is down, Jabber's failover to the subscriber fails.
 */
import { act, defineScenario, expectLog, expectNoLog, type Step } from '../emulator/scenario.ts';
import {
  CUCM,
  CUCM_FQDN,
  DOMAIN,
  expectNoTrafficLine,
  expectSignIn,
  expectTrafficLine,
  jabberSignsIn,
} from './kits/expressway.ts';

interface P {
  release: 'X14.0' | 'X14.2';
  subscriberSignedBy: 'self' | 'enterprise-ca';
}

const SUB = 'cucm-sub';
const SUB_FQDN = `${SUB}.${DOMAIN}`;
const CA_SIGNED = { tomcat: { signedBy: 'enterprise-ca' }, 'tomcat-ECDSA': { signedBy: 'enterprise-ca' } };

export default defineScenario<P>({
  id: 'expressway-subscriber-cert-not-verified',
  title:
    "TLS verify mode checks only the publisher: a subscriber's self-signed certificate passes discovery and breaks MRA failover on X14.2",
  seed: '004',
  tags: ['expressway', 'mra', 'cucm', 'x14.2', 'discovery', 'cluster'],
  symptom:
    'Unified CM discovery with TLS verify mode On succeeds and Jabber signs in; when the publisher is down, sign-in fails: the Expressway-C logs "Core server certificate verification failed for (<subscriber>) ... Error=self signed certificate ... depth=0" and answers 502.',
  rootCause:
    "Discovery verified only the publisher address entered on the Expressway-C; the subscriber's name came from the publisher's database and its tomcat certificate (self-signed, not in the Expressway-C trusted CA list) was never checked. X14.2 verifies every request, so a request that fails over to the subscriber is terminated.",
  fix: "Have every node's tomcat (and tomcat-ECDSA) certificate signed by a CA the Expressway-C trusts, or upload each node's self-signed certificate to the trusted CA list of every Expressway-C, then refresh the Unified CM servers.",
  variants: {
    'before-upgrade': {
      explain:
        'Expressway-C on X14.0: origin servers are not verified, so the failover works and the bad certificate goes unnoticed.',
      params: { release: 'X14.0', subscriberSignedBy: 'self' },
    },
    fault: {
      explain: "X14.2; the subscriber's tomcat certificate is self-signed, the publisher's CA-signed.",
      params: { release: 'X14.2', subscriberSignedBy: 'self' },
    },
    fix: {
      explain: "The subscriber's certificates are signed by the enterprise CA, like the publisher's.",
      params: { release: 'X14.2', subscriberSignedBy: 'enterprise-ca' },
    },
  },
  lab: (v) => ({
    devices: [
      {
        kind: 'cucm',
        name: CUCM,
        aliases: [CUCM_FQDN],
        domain: DOMAIN,
        processNodeName: 'fqdn',
        certificates: CA_SIGNED,
        phones: [],
        users: [{ id: 'emusk', devices: ['CSFEMUSK'] }],
      },
      {
        kind: 'cucm',
        name: SUB,
        aliases: [SUB_FQDN],
        domain: DOMAIN,
        publisher: CUCM,
        processNodeName: 'fqdn',
        certificates: v.params.subscriberSignedBy === 'self' ? {} : CA_SIGNED,
      },
      {
        kind: 'expressway-c',
        name: 'expc',
        aliases: [`expc.${DOMAIN}`],
        domain: DOMAIN,
        release: v.params.release,
        ...(v.params.release === 'X14.2' ? { upgradedFrom: 'X14.0' } : {}),
        // Configuration > Unified Communications > Unified CM servers: the publisher, TLS verify mode On.
        unifiedCm: [{ publisher: CUCM_FQDN, tlsVerify: 'On' }],
      },
      {
        kind: 'expressway-e',
        name: 'expe',
        aliases: [`expe.${DOMAIN}`],
        domain: DOMAIN,
        certificate: { signedBy: 'public-ca' },
        mra: { expresswayC: 'expc' },
      },
      { kind: 'jabber', name: 'jabber-emusk', user: 'emusk', domain: DOMAIN, via: `expe.${DOMAIN}` },
    ],
  }),
  steps: (v) => {
    const steps: Step[] = [
      expectLog(
        'expc',
        `Detail="Unified CM servers discovered" Host="${CUCM_FQDN}" TLS-verify-mode="On" Nodes="${CUCM_FQDN},${SUB_FQDN}"`,
        "Discovery with TLS verify mode On succeeded: it checked the publisher's certificate and read the subscriber's name from the publisher (the success line is the lab's, L).",
      ),
      expectNoLog(
        'expc',
        'Certificate validation failed',
        "Nothing at discovery says the subscriber's certificate is bad.",
      ),
      jabberSignsIn(),
      expectSignIn(true, 'The publisher answers every request: its certificate is CA-signed and trusted.'),
      act(
        'The publisher goes down (utils system shutdown)',
        'A maintenance window, or an outage: MRA clients must fail over to the subscriber.',
        async (lab) => {
          await lab.device(CUCM).stop();
        },
      ),
      act(
        'emusk signs in to Jabber again (MRA)',
        'The UDS request to the publisher gets 502; Jabber tries the next UDS server of the edge configuration, the subscriber.',
        async (lab) => {
          await (lab.device('jabber-emusk') as unknown as { login(): Promise<unknown> }).login();
        },
      ),
    ];
    if (v.name === 'fault')
      steps.push(
        expectTrafficLine(
          `[ET_NET 0] WARNING: Core server certificate verification failed for (${SUB_FQDN}). Action=Terminate Error=self signed certificate server=${SUB_FQDN}({ip}) depth=0`,
          "Seed 004's line, for the subscriber: its self-signed tomcat certificate is not in the trusted CA list (depth=0).",
          SUB,
        ),
        expectTrafficLine(
          'Msg="HTTP/1.1 502 connect failed"',
          'The failed-over request gets 502 connect failed.',
        ),
        expectSignIn(false, 'Both UDS servers failed: "Cannot communicate with the server."'),
      );
    else
      steps.push(
        expectNoTrafficLine(
          'Core server certificate verification failed',
          v.params.release === 'X14.0'
            ? 'X14.0 does not verify origin servers.'
            : "The subscriber's certificate verifies.",
        ),
        expectSignIn(true, 'Jabber signs in through the subscriber.'),
      );
    return steps;
  },
});
