/**
 * Seed 002 / docs/reference/cucm-certificates.md §3: in mixed mode the CallManager certificate is regenerated but the CTL
 * is not updated. The phone still trusts the old CallManager certificate only, so the TLS handshake on
 * 2443 fails and the phone cannot register securely. Updating the CTL (before the reset)
 * puts the new certificate in the CTL.
 */
import { act, byTrainee, defineScenario, expectLog, solvedWhen } from '../emulator/scenario.ts';
import { cucm, etoken, mixedModeLab, mustSucceed } from './kits/cucm.ts';
import { boot, expectRegistration, type PhoneSpec, phone, sep, withCucmReset } from './kits/phone.ts';

interface Params {
  updateCtl: boolean;
}

const P: PhoneSpec = {
  mac: '0011215A1AE3',
  model: 'CP-7975',
  firmware: 'sccp-79xx-9.4',
  protocol: 'SCCP',
  security: 'encrypted',
  line: '1001',
};

export default defineScenario<Params>({
  id: 'ctl-stale-after-regen',
  title: 'CallManager regenerated, CTL not updated: secure registration fails',
  seed: '002',
  tags: ['cucm', 'phone', 'ctl', 'regeneration', 'tls'],
  symptom:
    'After "Regenerate" of the CallManager certificate, secure phones stay unregistered; the phone console shows an SSL error on the connection to 2443.',
  rootCause:
    "A phone checks CUCM's TLS certificate against the CCM+TFTP record of its CTL. The CTL still holds the old CallManager certificate: the new one is unknown to the phone.",
  fix: 'Update the CTL after regenerating CallManager (the CTL client with an eToken of the current CTL; `utils ctl update CTLFile` in a tokenless cluster), then reset the phones.',
  variants: {
    fault: { explain: 'CallManager regenerated; nobody updates the CTL.', params: { updateCtl: false } },
    fix: {
      explain:
        'CallManager regenerated, then the CTL client updates the CTL with an eToken, then the phones reset.',
      params: { updateCtl: true },
    },
  },
  exercise: {
    task: 'After the CallManager certificate was regenerated, the encrypted phone SEP0011215A1AE3 (a 7975) no longer registers; its console shows an SSL error on the connection to 2443. Make it register securely again. The eTokens are in a safe at another site: work from the CUCM console (uclab console cucm-pub).',
    solvedBy: 'fix',
    hints: [
      'Compare the CallManager certificate CUCM presents now (show cert own CallManager) with the one the phones trust for CCM+TFTP (show ctl).',
      "The phone checks CUCM's TLS certificate against the CCM+TFTP record of the CTL it installed; that record still holds the certificate from before the regeneration. The CTL has to be rebuilt.",
      "Without an eToken the CTL client cannot sign a new CTL, but the cluster can move to tokenless mixed mode: utils ctl set-cluster mixed-mode signs the CTL with ITLRecovery, a SAST the phone's CTL already lists (TAC-118893). Afterwards utils ctl update CTLFile works too.",
      'Once the new CTL is on TFTP the phone has to fetch it: uclab check power-cycles the phone before it looks.',
    ],
  },
  lab: () => mixedModeLab([P]),
  steps: (v) => [
    boot(P.mac, 'The phone installs the CTL and registers over TLS on 2443.'),
    expectRegistration(
      P.mac,
      'registered',
      'Encrypted phone, CallManager in the CTL: secure registration.',
      true,
    ),
    act(
      'The administrator regenerates the CallManager certificate',
      'admin: set cert regen CallManager (a new key and a new self-signed certificate). CUCM resets the registered phones; they boot, fetch the CTL again and connect to 2443.',
      async (lab) => {
        await withCucmReset(lab, [P.mac], () => cucm(lab).exec('set cert regen CallManager'));
      },
    ),
    expectLog(
      sep(P.mac),
      'Reset request from CallManager: restart',
      'CUCM resets the phones registered to it after a CallManager certificate change (seed 003).',
    ),
    expectLog(
      sep(P.mac),
      'SEC-ERR: code:5(SSL_ALERT) subcode:48(UNKNOWN_CA)',
      'After the reset the phone refuses the new CallManager certificate: its CTL still holds the old one (unknown_ca).',
    ),
    ...(v.params.updateCtl
      ? [
          byTrainee(
            act(
              'The administrator updates the CTL',
              'The CTL client, with the eToken that signed the CTL inserted, updates the CTL: it now holds the new CallManager certificate (same eToken signer).',
              async (lab) => mustSucceed(cucm(lab).updateCtl(etoken(1))),
            ),
          ),
          solvedWhen(
            act(
              'The phone is reset at the phone',
              'The phone is no longer registered, so CUCM cannot reset it: it is reset at the phone, boots and fetches the CTL again.',
              async (lab) => {
                await phone(lab, P.mac).reset();
              },
            ),
          ),
          solvedWhen(
            expectRegistration(
              P.mac,
              'registered',
              'The updated CTL (same eToken signer) holds the new CallManager certificate: TLS succeeds.',
              true,
            ),
          ),
        ]
      : [
          expectRegistration(
            P.mac,
            'unregistered',
            'No secure registration with a CallManager certificate outside the CTL.',
          ),
        ]),
  ],
});
