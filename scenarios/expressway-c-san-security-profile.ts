/**
 * Seed 003: the Expressway-C certificate's SAN must hold the "Unified CM phone security profile names"
 * (C only, lines 119-124; the example `csf-secure`, line 145), and when it does not, "Softphone
 * Registration fails (other will work) when endpoint security settings are authenticated or encrypted"
 * (lines 507-509). Two Jabber users sign in over MRA; the one whose CSF device has an encrypted phone
 * security profile cannot register for phone services, the non-secure one can. Reissuing the
 * Expressway-C certificate with the profile name in the SAN fixes it.
 */

import { Jabber } from '../devices/expressway/jabber.ts';
import { issueServerCert } from '../devices/expressway/pki.ts';
import { act, defineScenario, expectLog, expectThat, type Step } from '../emulator/scenario.ts';
import { CUCM, CUCM_FQDN, caCertificate, DOMAIN, expc, lastEvent } from './kits/expressway.ts';

interface P {
  profileInSan: boolean;
}

const PROFILE = `csf-secure.${DOMAIN}`;
const SECURE = 'jabber-jdoe';
const PLAIN = 'jabber-emusk';

function registered(device: string, want: boolean, explain: string) {
  return expectThat(
    `${device} ${want ? 'registers for phone services' : 'cannot register for phone services'}`,
    explain,
    async (lab) => {
      const e = lastEvent(lab, 'jabber.register', device);
      if (!e) return { held: false, saw: `${device} did not try to register` };
      return {
        held: want ? e.outcome === 'registered' : e.outcome === 'failed' && e.status === 403,
        saw: `${e.shown} (${e.status ?? 'no answer'} ${e.reason ?? ''}${e.warning ? `, ${e.warning}` : ''})`,
      };
    },
  );
}

export default defineScenario<P>({
  id: 'expressway-c-san-security-profile',
  title:
    'The phone security profile name is missing from the Expressway-C certificate: secure softphones cannot register over MRA',
  seed: '003',
  tags: ['expressway', 'mra', 'cucm', 'sip', 'certificates'],
  symptom:
    'Over MRA, Jabber users whose CSF device has an authenticated or encrypted phone security profile sign in but cannot register for phone services (CUCM answers 403); users with a non-secure profile register.',
  rootCause:
    "The Expressway-C forwards a secure device's registration to CUCM over TLS 5061 with its own certificate; CUCM takes that certificate for the device only when it names the device's phone security profile. The Expressway-C certificate's SAN lacks the profile name (csf-secure.lab.example).",
  fix: 'Generate the Expressway-C CSR with the Unified CM phone security profile names (FQDN format) as additional alternative names, have it signed, upload it and restart.',
  variants: {
    fault: {
      explain: 'The Expressway-C certificate holds its FQDN only.',
      params: { profileInSan: false },
    },
    fix: {
      explain: `The Expressway-C certificate is reissued with ${PROFILE} in its SAN.`,
      params: { profileInSan: true },
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
        certificates: {
          tomcat: { signedBy: 'enterprise-ca' },
          'tomcat-ECDSA': { signedBy: 'enterprise-ca' },
        },
        phones: [],
        users: [
          { id: 'emusk', devices: ['CSFEMUSK'] },
          { id: 'jdoe', devices: ['CSFJDOE'], csf: { security: 'encrypted', securityProfileName: PROFILE } },
        ],
      },
      {
        kind: 'expressway-c',
        name: 'expc',
        aliases: [`expc.${DOMAIN}`],
        domain: DOMAIN,
        unifiedCm: [{ publisher: CUCM_FQDN, tlsVerify: 'Off' }],
      },
      {
        kind: 'expressway-e',
        name: 'expe',
        aliases: [`expe.${DOMAIN}`],
        domain: DOMAIN,
        certificate: { signedBy: 'public-ca' },
        mra: { expresswayC: 'expc' },
      },
      { kind: 'jabber', name: PLAIN, user: 'emusk', domain: DOMAIN, via: `expe.${DOMAIN}` },
      {
        kind: 'jabber',
        name: SECURE,
        user: 'jdoe',
        domain: DOMAIN,
        via: `expe.${DOMAIN}`,
        deviceSecurity: 'encrypted',
      },
    ],
  }),
  steps: (v) => {
    const steps: Step[] = [
      act(
        "The CUCM administrator uploads the CA of the Expressway-C's certificate to CallManager-trust",
        'OS Administration > Certificate Management > Upload Certificate, purpose CallManager-trust: CUCM must trust the Expressway-C on the TLS connection to 5061.',
        async (lab) => {
          const cucm = lab.device(CUCM) as unknown as {
            uploadTrust(store: string, pem: string): { ok: boolean };
          };
          if (!cucm.uploadTrust('CallManager-trust', await caCertificate(lab, 'enterprise-ca')).ok)
            throw new Error('the CA upload to CallManager-trust was refused');
        },
      ),
    ];
    if (v.params.profileInSan)
      steps.push(
        act(
          `Admin uploads a new Expressway-C certificate with ${PROFILE} in the SAN`,
          'Generate CSR with "Unified CM phone security profile names", the enterprise CA signs it, Maintenance > Security > Server certificate > Upload, restart (seed 003 line 145).',
          async (lab) => {
            const id = await issueServerCert(
              { seed: lab.seed, start: lab.clock.start, scope: lab.timeline },
              'expc-reissued',
              `expc.${DOMAIN}`,
              { dns: [PROFILE] },
            );
            const r = expc(lab).uploadServerCertificate(id.certPem, id.keyPem);
            if (!r.ok) throw new Error(r.error.message);
          },
        ),
      );
    for (const j of [PLAIN, SECURE])
      steps.push(
        act(
          `${j} signs in over MRA and registers for phone services`,
          'Edge configuration, UDS, the CSF configuration file; then SIP REGISTER over TLS to the Expressway-E.',
          async (lab) => {
            const jabber = lab.device(j, Jabber);
            if ((await jabber.login()).ok) await jabber.register();
          },
        ),
      );
    steps.push(
      registered(
        PLAIN,
        true,
        'A non-secure device\'s registration goes to CUCM over TCP 5060: no certificate is involved (seed 003: "other will work").',
      ),
    );
    if (!v.params.profileInSan)
      steps.push(
        expectLog(
          CUCM,
          `SIPStationInit: CSFJDOE Registration rejected: the certificate presented (expc.${DOMAIN}) names neither CSFJDOE nor its phone security profile ${PROFILE}`,
          "CUCM got the Expressway-C's certificate on 5061 and found no name of the device's phone security profile in it (the wording is the lab's, L).",
        ),
        registered(SECURE, false, 'The encrypted softphone cannot register: seed 003 line 509.'),
      );
    else
      steps.push(
        registered(
          SECURE,
          true,
          "CUCM finds the profile name in the Expressway-C certificate's SAN and takes the registration.",
        ),
      );
    return steps;
  },
});
