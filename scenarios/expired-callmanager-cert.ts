/**
 * Seed 002: phones suddenly unregister, and the console log shows
 * `SECD: EROR:clpSndStatus: ** SEC-ERR: code:5(SSL_ALERT) subcode:45(EXPIRED_CERT)`: CUCM's CallManager
 * certificate has expired. Regenerate it (and, in mixed mode, update the CTL).
 */
import { act, byTrainee, defineScenario, expectLog, expectNoLog, solvedWhen } from '../emulator/scenario.ts';
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
  exercise: {
    task: 'The encrypted phone SEP0011215A1AE3 (a 7975) does not register with CUCM; its console shows an SSL error on the connection to 2443. Make it register securely. The eTokens are in a safe at another site: work from the CUCM console (uclab console cucm-pub).',
    solvedBy: 'fix',
    hints: [
      'Which alert does the phone log on 2443 (SEC-ERR: code:5(SSL_ALERT) subcode:...)? Then look at the dates of the certificate CUCM presents there: show cert own CallManager.',
      'The CallManager certificate has expired: regenerate it (set cert regen CallManager).',
      "In mixed mode the phone checks CallManager against the CTL's CCM+TFTP record, so the CTL must hold the new certificate. Without an eToken: utils ctl set-cluster mixed-mode (tokenless, signed by ITLRecovery, TAC-118893). uclab check boots the phone again before it looks.",
    ],
  },
  lab: () => mixedModeLab([P], { certificates: { CallManager: { notBefore: '-400d', notAfter: '-1d' } } }),
  steps: (v) => [
    ...(v.params.regenerate
      ? [
          byTrainee(
            act(
              'The administrator regenerates CallManager and updates the CTL',
              'admin: set cert regen CallManager; then the CTL client updates the CTL with the eToken that signed it.',
              async (lab) => {
                await cucm(lab).exec('set cert regen CallManager');
                mustSucceed(cucm(lab).updateCtl(etoken(1)));
              },
            ),
          ),
        ]
      : []),
    solvedWhen(boot(P.mac, 'The phone boots, installs the CTL and connects to 2443.')),
    ...(v.params.regenerate
      ? [
          solvedWhen(expectNoLog(sep(P.mac), SEC_ERR, 'The new CallManager certificate is valid.')),
          solvedWhen(expectRegistration(P.mac, 'registered', 'Secure registration works again.', true)),
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
