/**
 * Seed 003 (lines 314-318): "If you plan to use DX series endpoints or 78XX/88XX phones across MRA,
 * Expressway-E Certificates must be signed by a public CA in the pre-installed CA Trust List. Any other
 * certificates will be disregarded by these devices." With an Expressway-E certificate from the
 * enterprise CA, Jabber (which trusts the enterprise CA through its operating system) signs in, and a
 * CP-8861 on the same edge cannot provision. A certificate from a public CA of the phones' list fixes it.
 */

import { MraPhone } from '../devices/expressway/mra-phone.ts';
import { act, defineScenario, expectThat, type Step } from '../emulator/scenario.ts';
import { expectSignIn, jabberSignsIn, lastEvent, MRA_PHONE, mraLab } from './kits/expressway.ts';

interface P {
  expeSignedBy: 'enterprise-ca' | 'public-ca';
}

export default defineScenario<P>({
  id: 'mra-phone-private-ca-expressway-e',
  title:
    '78xx/88xx phones over MRA disregard an Expressway-E certificate from a private CA; Jabber still signs in',
  seed: '003',
  tags: ['expressway', 'mra', 'phone', 'certificates'],
  symptom:
    'Jabber signs in over MRA, but a CP-8861 on the same Expressway-E cannot provision: its TLS connection to the Expressway-E fails and it shows that it cannot connect.',
  rootCause:
    "The Expressway-E certificate is signed by the enterprise CA. 78xx/88xx phones and DX endpoints trust only the public CAs of their pre-installed trust list for the MRA edge and disregard any other certificate; Jabber trusts the enterprise CA through the computer's certificate store.",
  fix: "Have the Expressway-E certificate signed by a public CA that is in the phones' pre-installed CA trust list (the list can be downloaded from cisco.com).",
  variants: {
    fault: {
      explain: 'Expressway-E has a certificate from the enterprise CA.',
      params: { expeSignedBy: 'enterprise-ca' },
    },
    fix: {
      explain:
        "Expressway-E has a certificate from a public CA of the phones' list (the lab's public CA stands in for one).",
      params: { expeSignedBy: 'public-ca' },
    },
  },
  lab: (v) =>
    mraLab({
      release: 'X14.2',
      // CUCM's side is in order: both tomcat certificates come from the enterprise CA the C trusts.
      certificates: { tomcat: { signedBy: 'enterprise-ca' }, 'tomcat-ECDSA': { signedBy: 'enterprise-ca' } },
      expeSignedBy: v.params.expeSignedBy,
      mraPhone: true,
    }),
  steps: (v) => {
    const phoneOk = v.params.expeSignedBy === 'public-ca';
    const steps: Step[] = [
      jabberSignsIn(),
      expectSignIn(
        true,
        'Jabber trusts the enterprise CA (deployed to the computers), so the edge is trusted either way.',
      ),
      act(
        'The CP-8861 provisions over MRA',
        'It asks the Expressway-E for the edge configuration, then its SEP<MAC>.cnf.xml over 6972 through the traffic server.',
        async (lab) => {
          await lab.device(MRA_PHONE, MraPhone).provision();
        },
      ),
      expectThat(
        phoneOk ? 'The phone is provisioned over MRA' : 'The phone cannot connect to the Expressway-E',
        phoneOk
          ? 'The Expressway-E certificate chains to a public CA of the pre-installed list.'
          : 'Seed 003: "Any other certificates will be disregarded by these devices." The phone\'s wording is the lab\'s (L).',
        async (lab) => {
          const e = lastEvent(lab, 'mra-phone.provision', MRA_PHONE);
          if (!e) return { held: false, saw: 'the phone did not try' };
          const tlsRefused =
            e.requests[0]?.status === null && (e.reason ?? '').includes('pre-installed trust list');
          return {
            held: phoneOk ? e.outcome === 'provisioned' : e.outcome === 'failed' && tlsRefused,
            saw: `${e.shown}${e.reason ? ` (${e.reason})` : ''}`,
          };
        },
      ),
    ];
    return steps;
  },
});
