/**
 * Seed 003, "Understand LSC Installation Status": two CAPF refusals besides the wrong authentication
 * string (status 10, capf-wrong-auth-string).
 *
 * - 17 "Upgrade Failed: User Initiated Request Late/Timeout": the phone reached CAPF after the
 *   "Operation Completes By" time of its CAPF settings (seed 003 shows the field, `2014 7 6 12
 *   (YYYY:MM:DD:HH)`). CAPF refuses a late operation whatever the authentication.
 * - 11 "Upgrade Failed: Invalid MIC": the phone authenticates by its MIC (By Existing Certificate,
 *   precedence to MIC), and the MIC does not chain to CAPF-trust: the Cisco Manufacturing CA that
 *   issued it was deleted from CAPF-trust (seed 003: "capf-trust: Cisco Root and Mfg CA certs to trust
 *   MICs (included by default)"; `CAPF-trust/Cisco_Manufacturing_CA.pem` in its `show cert list trust`).
 *
 * The CAPF trace lines naming the reason are the lab's (modelled, emulator/fidelity); the status
 * numbers and names are seed 003's table, as CUCM's `run sql` shows the numbers.
 */
import { act, defineScenario, expectLog, expectThat } from '../emulator/scenario.ts';
import {
  cucm,
  expectCertificateStatus,
  mixedModeLab,
  mustSucceed,
  trustCertificatePem,
} from './kits/cucm.ts';
import { boot, expectNoStatus, expectStatus, heldLsc, type PhoneSpec, phone, sep } from './kits/phone.ts';

/** The manufacturing CA that issues an 88xx's MIC, as CUCM files it in its trust stores. */
const MFG_CA = 'Cisco Manufacturing CA SHA2';

interface Params {
  fault: 'late' | 'mic';
  fixed: boolean;
}

const P: PhoneSpec = {
  mac: '0011215A1B17',
  model: 'CP-8861',
  firmware: 'sip-88xx-14.2',
  protocol: 'SIP',
  security: 'non-secure',
  line: '1017',
};

export default defineScenario<Params>({
  id: 'capf-late-or-invalid-mic',
  title: 'LSC install refused by CAPF: late operation (17) or untrusted MIC (11)',
  seed: '003',
  tags: ['cucm', 'phone', 'capf', 'lsc'],
  symptom:
    'The LSC is not installed; Device > Phone shows Certificate Operation Status "Upgrade Failed: User Initiated Request Late/Timeout" (17), or "Upgrade Failed: Invalid MIC" (11).',
  rootCause:
    '17: the phone contacted CAPF after the "Operation Completes By" time of its CAPF settings. 11: the phone authenticated with its MIC, and the Cisco Manufacturing CA that issued the MIC is no longer in CAPF-trust.',
  fix: '17: set "Operation Completes By" to a time still ahead, save, and reset the phone. 11: upload the Cisco Manufacturing CA certificate to CAPF-trust again (it is in CallManager-trust too), then reset the phone.',
  variants: {
    late: {
      explain: 'Install scheduled with "Operation Completes By" an hour in the past; the phone resets.',
      params: { fault: 'late', fixed: false },
    },
    'fix-late': {
      explain: 'The same install with "Operation Completes By" a day ahead.',
      params: { fault: 'late', fixed: true },
    },
    'invalid-mic': {
      explain: `${MFG_CA} deleted from CAPF-trust; install By Existing Certificate (precedence to MIC).`,
      params: { fault: 'mic', fixed: false },
    },
    'fix-invalid-mic': {
      explain: `${MFG_CA} uploaded to CAPF-trust again before the phone resets.`,
      params: { fault: 'mic', fixed: true },
    },
  },
  lab: () => mixedModeLab([P]),
  steps: (v) => {
    const { fault, fixed } = v.params;
    const status =
      fault === 'late'
        ? { n: 17, name: 'Upgrade Failed: User Initiated Request Late/Timeout' }
        : { n: 11, name: 'Upgrade Failed: Invalid MIC' };
    return [
      boot(P.mac, 'The phone installs the CTL (with the CAPF record) and registers, with its MIC only.'),
      ...(fault === 'mic'
        ? [
            act(
              `${MFG_CA} is deleted from CAPF-trust`,
              'OS Administration > Certificate Management: the CAPF-trust copy is deleted (the CallManager-trust copy stays).',
              async (lab) => {
                mustSucceed(cucm(lab).deleteTrust('CAPF-trust', MFG_CA));
                if (!fixed) return;
                // What the administrator uploads: the same CA, copied from CallManager-trust.
                const file = `CallManager-trust/${MFG_CA.replace(/ /g, '_')}.pem`;
                mustSucceed(cucm(lab).uploadTrust('CAPF-trust', await trustCertificatePem(lab, file)));
              },
            ),
          ]
        : []),
      act(
        'An LSC install is scheduled and the phone resets',
        fault === 'late'
          ? `Device > Phone > CAPF Information: Install/Upgrade, By Null String, Operation Completes By ${fixed ? 'tomorrow' : 'an hour ago'}.`
          : 'Device > Phone > CAPF Information: Install/Upgrade, By Existing Certificate (Precedence to MIC).',
        async (lab) => {
          mustSucceed(
            cucm(lab).setCapfOperation(
              sep(P.mac),
              fault === 'late'
                ? { operation: 'install', authMode: 'null-string', completesBy: fixed ? '+1d' : '-1h' }
                : { operation: 'install', authMode: 'existing-mic' },
            ),
          );
          await phone(lab, P.mac).reset();
        },
      ),
      ...(fixed
        ? [
            expectStatus(P.mac, 'LSC Installed', 'CAPF issued the LSC.'),
            expectCertificateStatus(P.mac, 3, 'Upgrade Success', 'Seed 003 table: 3 Upgrade Success.'),
            expectNoStatus(P.mac, 'LSC Operation Failed', 'Nothing went wrong on the phone side.'),
          ]
        : [
            expectCertificateStatus(
              P.mac,
              status.n,
              status.name,
              `Seed 003 status table: ${status.n} ${status.name}.`,
            ),
            expectLog(
              'cucm-pub',
              fault === 'late'
                ? 'Operation completes by time has passed'
                : `The presented MIC does not chain to CAPF-trust (missing O=Cisco, CN=${MFG_CA})`,
              'The CAPF trace names the reason (modelled wording).',
              { timeoutMs: 2000 },
            ),
            expectThat('The phone has no LSC', 'It keeps presenting its MIC.', async (lab) => {
              const lsc = heldLsc(lab, P.mac);
              return { held: lsc === null, saw: lsc ? `an LSC was installed: ${lsc.subject}` : 'no LSC' };
            }),
          ]),
    ];
  },
});
