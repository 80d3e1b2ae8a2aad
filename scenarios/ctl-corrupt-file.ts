/**
 * Seed 002, "Verify phone properly validates and accepts the CTL file": a corrupt CTL. The CTLFile.tlv
 * on the TFTP server has one byte changed (a damaged copy). The phone downloads it, the signature over
 * the file no longer verifies with the eToken named as its signer, and the phone refuses it: "Trust
 * List Verification Failed" (seed 002: "If the phone could not validate the new CTL file the error
 * message would be Trust List Update Failed or Trust List Verification Failed ... or that the newly
 * downloaded CTL was corrupt"). It keeps the CTL it had. On CUCM, `show ctl` says "Verification of the
 * CTL File Failed" (seed 002: "A corrupt CTL can be checked with "show ctl" ... Generally a corrupt
 * CTL file can be repaired by running the CTL Client").
 *
 * "Update Failed" is the other wording: a whole file signed by a token the phone's CTL does not hold
 * (ctl-unknown-signer). What tells the two apart is what the file says of itself: a damaged file fails
 * its own signature, so CUCM's `show ctl` fails too.
 */
import type { Lab } from '../emulator/lab.ts';
import { act, defineScenario, expectThat } from '../emulator/scenario.ts';
import { adminOutput, cucm, etoken, mixedModeLab, mustSucceed } from './kits/cucm.ts';
import { damageServedCtl } from './kits/faults.ts';
import { boot, expectNoStatus, expectStatus, type PhoneSpec, phone, sep } from './kits/phone.ts';

interface Params {
  /** The administrator runs the CTL client again (Update CTL File with eToken 1) before the reset. */
  rerunCtlClient: boolean;
}

const P: PhoneSpec = {
  mac: '0011215A1C7A',
  model: 'CP-7975',
  firmware: 'sccp-79xx-9.4',
  protocol: 'SCCP',
  security: 'authenticated',
  line: '1027',
};

/** The last byte of the file: inside the last record, so the file still parses and only its signature fails. */
const DAMAGED_BYTE = -1;

/** The MD5 of the CTL the phone holds, from its `phone.trust-list` events (Settings > Security > Trust List). */
function heldCtlMd5(lab: Lab): string | null {
  return (
    lab.timeline
      .ofKind('phone.trust-list', sep(P.mac))
      .filter((e) => e.list === 'CTL')
      .at(-1)?.md5 ?? null
  );
}

/** The MD5 of the CTL the phone installed first (its first boot). */
function firstCtlMd5(lab: Lab): string | null {
  return (
    lab.timeline
      .ofKind('phone.trust-list', sep(P.mac))
      .find((e) => e.list === 'CTL' && e.change === 'installed')?.md5 ?? null
  );
}

function expectShowCtl(text: string, explain: string) {
  return expectThat(`show ctl prints "${text}"`, explain, async (lab) => {
    const out = await adminOutput(lab, 'show ctl');
    const line = out.split('\n').find((l) => l.includes('erif')) ?? out.split('\n')[0] ?? '';
    return { held: out.includes(text), saw: line.trim() };
  });
}

export default defineScenario<Params>({
  id: 'ctl-corrupt-file',
  title: 'Corrupt CTL on TFTP: Trust List Verification Failed',
  seed: '002',
  tags: ['cucm', 'phone', 'ctl', 'tftp'],
  symptom:
    'After a reset the phone\'s status messages show "Trust List Verification Failed"; `show ctl` on CUCM ends with "Verification of the CTL File Failed".',
  rootCause:
    'The CTLFile.tlv on the TFTP server is damaged (one byte changed): its signature no longer verifies, so the phone refuses it and keeps the CTL it had.',
  fix: 'Run the CTL client again (Update CTL File with an eToken of the current CTL; `utils ctl update CTLFile` in a tokenless cluster) so TFTP serves a whole file, check `show ctl` says "The CTL file was verified successfully.", then reset the phones.',
  variants: {
    fault: {
      explain: 'The served CTLFile.tlv is damaged; the phone resets.',
      params: { rerunCtlClient: false },
    },
    fix: {
      explain: 'The served CTLFile.tlv is damaged; the CTL client updates the CTL; the phone resets.',
      params: { rerunCtlClient: true },
    },
  },
  lab: () => mixedModeLab([P]),
  steps: (v) => [
    boot(P.mac, 'The phone installs the CTL signed by eToken 1 and registers.'),
    act(
      'The CTLFile.tlv on TFTP is damaged',
      `A lab fault: one byte of the file changes, as on a copy damaged on its way or on disk.${v.params.rerunCtlClient ? ' The administrator runs the CTL client again (Update CTL File, eToken 1).' : ''} The phone resets.`,
      async (lab) => {
        damageServedCtl(lab, DAMAGED_BYTE);
        if (v.params.rerunCtlClient) mustSucceed(cucm(lab).updateCtl(etoken(1)));
        await phone(lab, P.mac).reset();
      },
    ),
    ...(v.params.rerunCtlClient
      ? [
          expectNoStatus(
            P.mac,
            'Trust List Verification Failed',
            'The CTL client wrote a whole file: its signature verifies.',
          ),
          expectShowCtl(
            'The CTL file was verified successfully.',
            'Seed 002 wording: the file TFTP serves verifies against its own eToken records.',
          ),
          expectThat(
            `${sep(P.mac)} holds the CTL CUCM serves`,
            'Settings > Security > Trust List: the MD5 on the phone is the one of the file the CTL client published.',
            async (lab) => {
              const published = lab.timeline
                .ofKind('cucm.file-changed', 'cucm-pub')
                .filter((e) => e.file === 'CTLFile.tlv')
                .at(-1)?.md5;
              const held = heldCtlMd5(lab);
              return {
                held: !!published && held === published,
                saw: `phone ${held ?? 'none'}, CUCM ${published ?? 'none'}`,
              };
            },
          ),
        ]
      : [
          expectStatus(
            P.mac,
            'Trust List Verification Failed',
            'Seed 002 wording: the downloaded CTL does not verify.',
          ),
          expectShowCtl(
            'Verification of the CTL File Failed',
            'Seed 002 wording: CUCM itself finds the file corrupt.',
          ),
          expectThat(
            `${sep(P.mac)} keeps the CTL it had`,
            'The refused file replaces nothing: Settings > Security > Trust List shows the MD5 of the first CTL.',
            async (lab) => {
              const first = firstCtlMd5(lab);
              const held = heldCtlMd5(lab);
              return {
                held: !!first && held === first,
                saw: `held ${held ?? 'none'}, first ${first ?? 'none'}`,
              };
            },
          ),
        ]),
  ],
});
