/**
 * Seed 002: "the older 7940 and 7960 phones have a strict requirement where they ONLY trust TFTP servers
 * if the address of the server is inside the CTL file. Newer model phones got rid of this requirement
 * and will trust a TFTP server at any address as long as the certificate signature matches."
 *
 * Lab: both phones first boot from the publisher (its address is the CCM+TFTP record of the CTL), then
 * are pointed at another TFTP server that serves the same, still signed, cluster files from an address
 * the CTL does not list (an alternate TFTP server, scenarios/kits/alternate-tftp.ts: it fetches each
 * file from the publisher over TFTP, as a relay would). The 7975 accepts it; the 7940 shows
 * "TFTP Server Not Authorized" and stops. Fixes (seed 002): add the TFTP server to the CTL (the CTL
 * client's "Add TFTP Server", then the phones take the new CTL from the publisher before they move), or
 * delete the CTL on the 7940.
 */

import { trustListRecordLine } from '../devices/phone/menus.ts';
import { act, defineScenario, expectThat } from '../emulator/scenario.ts';
import { bringUpAlternateTftp, tftpAddressOf } from './kits/alternate-tftp.ts';
import { cucm, etoken, mixedModeLab, mustSucceed } from './kits/cucm.ts';
import {
  boot,
  expectBoot,
  expectNoStatus,
  expectRegistration,
  expectStatus,
  heldTrustList,
  type PhoneSpec,
  phone,
} from './kits/phone.ts';

interface Params {
  deleteCtlOn7940: boolean;
  addTftpToCtl: boolean;
}

const P7940: PhoneSpec = {
  mac: '000D28000940',
  model: 'CP-7940',
  firmware: 'sccp-7940-8.1',
  protocol: 'SCCP',
  security: 'non-secure',
  line: '1001',
};
const P7975: PhoneSpec = {
  mac: '0011215A1AE3',
  model: 'CP-7975',
  firmware: 'sccp-79xx-9.4',
  protocol: 'SCCP',
  security: 'non-secure',
  line: '1002',
};

export default defineScenario<Params>({
  id: 'legacy-7940-tftp-not-in-ctl',
  title: '7940 refuses a TFTP server whose address is not in its CTL; 7975 accepts it',
  seed: '002',
  tags: ['cucm', 'phone', 'ctl', 'tftp', 'legacy'],
  symptom:
    'After the phones are pointed at a new TFTP server address, 7975s come back but 7940/7960s show "TFTP Server Not Authorized" and do not take their config.',
  rootCause:
    '7940/7960 firmware trusts only TFTP servers whose address is a CCM+TFTP/TFTP record of the CTL it holds; newer phones check only the file signatures.',
  fix: 'Add the new TFTP server to the CTL (rerun the CTL client / utils ctl update with it), or delete the CTL on the 7940/7960.',
  variants: {
    fault: {
      explain: 'Both phones keep their CTL and boot from the alternate TFTP server.',
      params: { deleteCtlOn7940: false, addTftpToCtl: false },
    },
    fix: {
      explain: 'The CTL is erased on the 7940 before it boots from the new address.',
      params: { deleteCtlOn7940: true, addTftpToCtl: false },
    },
    'fix-add-tftp-to-ctl': {
      explain:
        'The admin adds tftp-alt to the CTL (CTL client: Add TFTP Server) and the phones take the new CTL from the publisher before they move.',
      params: { deleteCtlOn7940: false, addTftpToCtl: true },
    },
  },
  lab: () => mixedModeLab([P7940, P7975]),
  steps: (v) => [
    boot(P7940.mac, 'The 7940 boots from the publisher and installs its CTL.'),
    boot(P7975.mac, 'The 7975 does the same.'),
    expectStatus(
      P7940.mac,
      'CTL Installed',
      'The 7940 shows its own wording for an installed CTL (7940 admin guide).',
    ),
    ...(v.params.addTftpToCtl
      ? [
          act(
            'The alternate TFTP server is brought up and added to the CTL',
            'The CTL client is run again with "Add TFTP Server" for tftp-alt: CUCM signs a new CTL that lists its address as a TFTP record.',
            async (lab) => {
              await bringUpAlternateTftp(lab, 'tftp-alt', 'cucm-pub');
              mustSucceed(cucm(lab).addCtlTftpServer('tftp-alt', { login: etoken(1) }));
            },
          ),
          act(
            'Both phones reset while still on the publisher',
            'They download the new CTL, signed by the same eToken as the one they hold, so they install it.',
            async (lab) => {
              await phone(lab, P7940.mac).reset();
              await phone(lab, P7975.mac).reset();
            },
          ),
          expectThat(
            "The 7940's CTL lists tftp-alt's address",
            'Settings > Security > CTL File on the phone now shows the alternate TFTP server as a TFTP record.',
            async (lab) => {
              const address = tftpAddressOf(lab, 'tftp-alt');
              const line = heldTrustList(lab, P7940.mac, 'CTL')
                ?.records.map(trustListRecordLine)
                .find((l) => l.includes(`(${address})`));
              return {
                held: line?.includes(': TFTP') === true,
                saw: line?.trim() ?? 'no record with that address',
              };
            },
          ),
        ]
      : []),
    act(
      v.params.addTftpToCtl
        ? 'The phones are pointed at the alternate TFTP server'
        : 'An alternate TFTP server is brought up and the phones are pointed at it',
      v.params.addTftpToCtl
        ? 'DHCP option 150 now names tftp-alt, whose address the new CTL lists.'
        : 'DHCP option 150 now names tftp-alt, an address the CTL does not list.',
      async (lab) => {
        if (!v.params.addTftpToCtl) await bringUpAlternateTftp(lab, 'tftp-alt', 'cucm-pub');
        phone(lab, P7940.mac).setTftp('tftp-alt');
        phone(lab, P7975.mac).setTftp('tftp-alt');
        if (v.params.deleteCtlOn7940) phone(lab, P7940.mac).deleteTrustList('CTL');
      },
    ),
    act('Both phones reset', 'They boot from tftp-alt.', async (lab) => {
      await phone(lab, P7940.mac).reset();
      await phone(lab, P7975.mac).reset();
    }),
    expectRegistration(
      P7975.mac,
      'registered',
      'Seed 002: the 7975 trusts the files by their signature, whatever the TFTP address.',
    ),
    ...(v.params.deleteCtlOn7940 || v.params.addTftpToCtl
      ? [
          expectNoStatus(
            P7940.mac,
            'TFTP Server Not Authorized',
            v.params.addTftpToCtl
              ? 'The address of tftp-alt is a TFTP record of the CTL the 7940 holds.'
              : 'With no CTL the 7940 has no address rule to apply.',
          ),
          expectRegistration(
            P7940.mac,
            'registered',
            v.params.addTftpToCtl
              ? 'The 7940 takes its files from tftp-alt and registers.'
              : 'The 7940 installs the CTL again and registers.',
          ),
        ]
      : [
          expectStatus(
            P7940.mac,
            'TFTP Server Not Authorized',
            'The 7940 refuses a TFTP server whose address is not in its CTL (seed 002).',
          ),
          expectBoot(
            P7940.mac,
            'ctl',
            'tftp-not-authorized',
            'It does not even take the CTL or config from that server.',
          ),
        ]),
  ],
});
