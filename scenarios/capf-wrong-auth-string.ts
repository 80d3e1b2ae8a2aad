/**
 * Seeds 002/003: LSC installation by authentication string. The string typed on the phone differs from
 * the one configured on the phone page: CAPF refuses, CUCM shows certificate operation status 10
 * "Upgrade Failed: Invalid Authentication String".
 */
import { defineScenario, expectLog, expectThat } from '../emulator/scenario.ts';
import { expectCertificateStatus, mixedModeLab } from './kits/cucm.ts';
import { boot, expectStatus, heldLsc, type PhoneSpec } from './kits/phone.ts';

interface Params {
  typed: string;
}

const base: PhoneSpec = {
  mac: '0011215A1AE3',
  model: 'CP-7975',
  firmware: 'sccp-79xx-9.4',
  protocol: 'SCCP',
  security: 'non-secure',
  line: '1001',
  capf: { operation: 'install', authMode: 'auth-string', authString: '12345', keySize: 2048 },
};

export default defineScenario<Params>({
  id: 'capf-wrong-auth-string',
  title: 'LSC install with the wrong authentication string: Upgrade Failed: Invalid Authentication String',
  seed: '003',
  tags: ['cucm', 'phone', 'capf', 'lsc'],
  symptom:
    'The LSC is not installed; Device > Phone shows Certificate Operation Status "Upgrade Failed: Invalid Authentication String" (10).',
  rootCause:
    'CAPF compares the PASSWORD the phone sends in CAPF_MSG_AUTH_RES with the Authentication String of the device; they differ.',
  fix: 'Enter the authentication string configured on the phone page (Settings > Security > LSC on the phone), then retry.',
  variants: {
    fault: { explain: 'The user types 54321; the phone page says 12345.', params: { typed: '54321' } },
    fix: { explain: 'The user types 12345.', params: { typed: '12345' } },
  },
  lab: (v) => mixedModeLab([{ ...base, typed: v.params.typed }]),
  steps: (v) => {
    const ok = v.params.typed === '12345';
    return [
      boot(
        base.mac,
        'The phone boots; its config says a CAPF operation is pending (capfAuthMode 1): it connects to CAPF on 3804.',
      ),
      ...(ok
        ? [
            expectStatus(base.mac, 'LSC Installed', 'CAPF accepted the string and issued the LSC.'),
            expectCertificateStatus(
              base.mac,
              3,
              'Upgrade Success',
              'CUCM records Upgrade Success (seed 003 table).',
            ),
          ]
        : [
            expectCertificateStatus(
              base.mac,
              10,
              'Upgrade Failed: Invalid Authentication String',
              'Seed 003 status table: 10 Upgrade Failed: Invalid Authentication String.',
            ),
            expectLog('cucm-pub', 'Invalid Authentication String', 'The CAPF trace names the reason.', {
              timeoutMs: 2000,
            }),
            expectThat('The phone has no LSC', 'It keeps presenting its MIC.', async (lab) => {
              const lsc = heldLsc(lab, base.mac);
              return { held: lsc === null, saw: lsc ? `an LSC was installed: ${lsc.subject}` : 'no LSC' };
            }),
          ]),
    ];
  },
});
