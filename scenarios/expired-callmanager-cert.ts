/**
 * Seed 002: phones suddenly unregister, and the console log shows
 * `SECD: EROR:clpSndStatus: ** SEC-ERR: code:5(SSL_ALERT) subcode:45(EXPIRED_CERT)`: CUCM's CallManager
 * certificate has expired. Regenerate it (and, in mixed mode, update the CTL).
 */
import { act, defineScenario, expectLog, expectNoLog } from '../emulator/scenario.ts';
import { cucm, etoken, mixedModeLab, mustSucceed } from './kits/cucm.ts';
import { boot, expectRegistration, type PhoneSpec, sep } from './kits/phone.ts';

interface Params {
  regenerate: boolean;
}

const P: PhoneSpec = {
  mac: '0011215A1AE3',
  model: 'CP-7975',
  firmware: 'sccp-79xx-9.4',
  protocol: 'SCCP',
  security: 'encrypted',
  line: '1001',
};
const SEC_ERR = 'SEC-ERR: code:5(SSL_ALERT) subcode:45(EXPIRED_CERT)';

export default defineScenario<Params>({
  id: 'expired-callmanager-cert',
  title: 'Expired CallManager certificate: SEC-ERR subcode:45(EXPIRED_CERT), phones unregistered',
  seed: '002',
  tags: ['cucm', 'phone', 'tls', 'expiry'],
  symptom:
    'Secure phones unregister; the phone console log shows "SEC-ERR: code:5(SSL_ALERT) subcode:45(EXPIRED_CERT)".',
  rootCause:
    'The CallManager certificate CUCM presents on 2443 expired; the phone refuses it with certificate_expired(45).',
  fix: 'Regenerate the CallManager certificate, update the CTL (mixed mode) and reset the phones.',
  variants: {
    fault: {
      explain: 'CallManager.pem expired a day before the lab started.',
      params: { regenerate: false },
    },
    fix: {
      explain: 'The administrator regenerates CallManager and updates the CTL; the phone resets.',
      params: { regenerate: true },
    },
  },
  lab: () => mixedModeLab([P], { certificates: { CallManager: { notBefore: '-400d', notAfter: '-1d' } } }),
  steps: (v) => [
    ...(v.params.regenerate
      ? [
          act(
            'The administrator regenerates CallManager and updates the CTL',
            'admin: set cert regen CallManager; then the CTL client updates the CTL with the eToken that signed it.',
            async (lab) => {
              await cucm(lab).exec('set cert regen CallManager');
              mustSucceed(cucm(lab).updateCtl(etoken(1)));
            },
          ),
        ]
      : []),
    boot(P.mac, 'The phone boots, installs the CTL and connects to 2443.'),
    ...(v.params.regenerate
      ? [
          expectNoLog(sep(P.mac), SEC_ERR, 'The new CallManager certificate is valid.'),
          expectRegistration(P.mac, 'registered', 'Secure registration works again.', true),
        ]
      : [
          expectLog(
            sep(P.mac),
            SEC_ERR,
            'Seed 002, word for word: the phone refuses the expired certificate.',
          ),
          expectLog(sep(P.mac), 'SEC-ERR: desc <certificate expired>', 'The next console line of seed 002.'),
          expectRegistration(P.mac, 'unregistered', 'The phone is not registered.'),
        ]),
    act('(end)', 'Nothing more happens: the phone keeps its state.', async () => {}),
  ],
});
