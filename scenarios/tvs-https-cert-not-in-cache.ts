/**
 * Seed 003, "TVS Certificate Verification Failure": a phone opens a service over HTTPS whose server
 * certificate is in none of its trust lists, so it sends TVS a certificate verification request with
 * the whole certificate (docs/reference/tvs.md §3; TAC-118699, the Corporate Directory "Host not found"
 * case). TVS looks the certificate up by serial and issuer ("Unique MAP ID"), first in its certificate
 * database cache, then in its CTL cache, and finds it in neither: `Cannot find the certificate in the
 * cache`, `No associated roles found for the certificate in cache` (seed 003's trace,
 * docs/reference/tvs.md §4). The phone refuses the server and its screen says "Host not found".
 *
 * The lab's case: the service is hosted on the Tomcat of another cluster (cucm-b), whose certificate the
 * phone's cluster does not hold. The fix is seed 003's table of trust stores: tomcat-trust holds "Other
 * CUCM cluster Tomcat certificates for EMCC or ILS"; once the other cluster's tomcat certificate is
 * uploaded there, TVS finds it and vouches for it.
 */

import { CucmNodeDevice } from '../devices/cucm/node.ts';
import { Phone } from '../devices/phone/phone.ts';
import type { Lab, LabDeclaration } from '../emulator/lab.ts';
import { act, defineScenario, expectLog, expectThat } from '../emulator/scenario.ts';
import { cucm, cucmLab } from './kits/cucm.ts';
import { pemIn } from './kits/expressway.ts';
import { boot, expectRegistration, type PhoneSpec, sep } from './kits/phone.ts';

interface Params {
  uploaded: boolean;
}

const P: PhoneSpec = {
  mac: '0011215A1B07',
  model: 'CP-8861',
  firmware: 'sip-88xx-14.2',
  protocol: 'SIP',
  security: 'non-secure',
  line: '1001',
};

/** The other cluster's publisher, whose Tomcat hosts the service. */
const OTHER = 'cucm-b';
const SERVICE = `https://${OTHER}:8443/cucm-uds/version`;

function lab(): LabDeclaration {
  const base = cucmLab([P]);
  return { ...base, devices: [...base.devices, { kind: 'cucm', name: OTHER }] };
}

/** The phone's last `phone.service` event: what its screen showed. */
function lastService(l: Lab) {
  return l.timeline.ofKind('phone.service', sep(P.mac)).at(-1);
}

export default defineScenario<Params>({
  id: 'tvs-https-cert-not-in-cache',
  title: 'TVS cannot find an HTTPS server certificate in its cache: the phone shows "Host not found"',
  seed: '003',
  tags: ['cucm', 'phone', 'tvs', 'https', 'trust-store'],
  symptom:
    'Opening a phone service over HTTPS shows "Host not found"; the TVS trace says "Cannot find the certificate in the cache" and "No associated roles found for the certificate in cache".',
  rootCause:
    "The service's server certificate is in none of the phone's trust lists, so the phone asks TVS with a certificate verification request; TVS looks it up by serial and issuer in its database and CTL caches and does not hold it.",
  fix: "Upload the server's certificate (here the other cluster's tomcat certificate) into tomcat-trust of the phone's cluster.",
  variants: {
    fault: {
      explain: "The other cluster's tomcat certificate is not in this cluster's tomcat-trust.",
      params: { uploaded: false },
    },
    'fix-upload-tomcat-trust': {
      explain: "The administrator uploads the other cluster's tomcat certificate into tomcat-trust.",
      params: { uploaded: true },
    },
  },
  lab,
  steps: (v) => [
    boot(
      P.mac,
      'The phone takes the ITL of its cluster (leap of faith) and its signed config, and registers.',
    ),
    expectRegistration(P.mac, 'registered', 'SIP registration over TCP 5060.'),
    ...(v.params.uploaded
      ? [
          act(
            "The administrator uploads the other cluster's tomcat certificate into tomcat-trust",
            `show cert own tomcat on ${OTHER}, then Certificate Management > Upload Certificate (tomcat-trust) on cucm-pub (seed 003: tomcat-trust holds other clusters' Tomcat certificates).`,
            async (l) => {
              const pem = pemIn(await cucm(l, OTHER).exec('show cert own tomcat'));
              if (!pem) throw new Error(`${OTHER} printed no tomcat certificate`);
              const r = l.device('cucm-pub', CucmNodeDevice).uploadTrust('tomcat-trust', pem);
              if (!r.ok) throw new Error(r.error.message);
            },
          ),
        ]
      : []),
    act(
      'The user opens a service hosted on the other cluster',
      `The phone opens ${SERVICE}: the Tomcat of ${OTHER} presents its tomcat certificate, which the phone's ITL does not hold, so the phone asks the TVS of its config (TAC-118699).`,
      async (l) => {
        await l.device(sep(P.mac), Phone).openService(SERVICE);
      },
    ),
    expectThat(
      'The phone asks TVS with the verification request',
      'The server certificate is in no trust list of the phone, which holds it whole: it sends TVS the certificate verification request (docs/reference/tvs.md §3), not the query by identifiers.',
      async (l) => {
        const e = l.timeline.ofKind('phone.tvs', sep(P.mac)).at(-1);
        return {
          held: e?.request === 'verification' && e.subject.includes(OTHER),
          saw: e ? `${e.request ?? '?'} about ${e.subject}: ${e.outcome}` : 'no phone.tvs event',
        };
      },
    ),
    expectLog(
      'cucm-pub',
      'tvsHandleCertVerificationReq',
      "The phone sent the certificate verification request (device name and the whole certificate), as seed 003's trace begins.",
    ),
    ...(v.params.uploaded
      ? [
          expectLog(
            'cucm-pub',
            /CertificateDBCACHE::getCertificateInformation - Certificate found in the cache \(tomcat-trust\//,
            'TVS finds the certificate by serial and issuer in tomcat-trust.',
          ),
          expectThat('The service opens', 'The phone sent its request and got an HTTP answer.', async (l) => {
            const e = lastService(l);
            return {
              held: e?.outcome === 'opened' && e.via === 'tvs',
              saw: e
                ? `${e.outcome} via ${e.via ?? '-'}, HTTP ${e.httpStatus ?? '-'}`
                : 'no phone.service event',
            };
          }),
        ]
      : [
          expectLog(
            'cucm-pub',
            'ERROR:CertificateDBCACHE::getCertificateInformation - Cannot find the certificate in the cache',
            'Seed 003: the certificate database cache does not hold the serial + issuer (the Unique MAP ID).',
          ),
          expectLog(
            'cucm-pub',
            'ERROR:CertificateCTLCACHE::getCertificateInformation - Cannot find the certificate in the cache',
            'Seed 003: nor does the CTL cache.',
          ),
          expectLog(
            'cucm-pub',
            /:No associated roles found for the certificate in cache$/,
            'Seed 003: TVS answers status 1 (invalid) with no roles.',
          ),
          expectThat(
            'The phone shows "Host not found"',
            'The phone refuses the server TVS does not vouch for and sends no request (TAC-118699).',
            async (l) => {
              const e = lastService(l);
              return {
                held: e?.outcome === 'untrusted' && e.screen === 'Host not found',
                saw: e ? `${e.outcome}: ${e.screen} (${e.reason ?? '-'})` : 'no phone.service event',
              };
            },
          ),
        ]),
  ],
});
