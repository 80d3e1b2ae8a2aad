/**
 * TFTP over a lossy link (RFC 1350 §2 and RFC 1123 §4.2.3.1): a WAN link between a branch
 * and the cluster drops and duplicates UDP datagrams. TFTP's lock-step (every DATA acknowledged,
 * resent on timeout; duplicates re-acknowledged, never answered with a resend) still delivers every
 * file byte for byte, only slower. The check is seed 002's: compare the MD5 of the trust list on the
 * phone (Settings > Security > Trust List) with the file on the TFTP server; the signed config only
 * verifies if it arrived whole.
 */

import type { FaultSpec } from '../emulator/net/fault-spec.ts';
import { clearFault, defineScenario, expectFaultEffect, fault } from '../emulator/scenario.ts';
import { cucmLab, PUBLISHER } from './kits/cucm.ts';
import { expectSameItl, withPhoneSettings } from './kits/faults.ts';
import { boot, expectBoot, expectRegistration, type PhoneSpec } from './kits/phone.ts';

interface Params {
  faults: FaultSpec[];
  /** What the second fault did, shown by its removal. */
  second: { name: string; effect: 'duplicated' | 'delayed'; why: string };
}

const P: PhoneSpec = {
  mac: 'B000B4BA0A07',
  model: 'CP-8861',
  firmware: 'sip-88xx-14.2',
  protocol: 'SIP',
  security: 'non-secure',
  line: '1007',
};

const LOSS: FaultSpec = { name: 'wan-loss', kind: 'loss', device: PUBLISHER, percent: 10 };

export default defineScenario<Params>({
  id: 'tftp-lossy-link',
  title: 'TFTP over a lossy link: the phone still gets byte-exact files',
  seed: '002',
  tags: ['cucm', 'phone', 'tftp', 'network-fault'],
  symptom: 'None beyond a slower boot: the phone shows "Trust List Updated" and registers.',
  rootCause:
    'The link between the phone and the TFTP server loses and duplicates UDP datagrams. TFTP resends what was not acknowledged and acknowledges duplicates again, so every file arrives whole.',
  fix: '- (resilient by design: the ITL MD5 on the phone equals the one on the TFTP server, as seed 002 checks).',
  variants: {
    'loss-and-duplication': {
      explain: '10 % of the datagrams to and from the publisher are lost, 5 % arrive twice.',
      params: {
        faults: [LOSS, { name: 'wan-duplication', kind: 'duplicate', device: PUBLISHER, percent: 5 }],
        second: {
          name: 'wan-duplication',
          effect: 'duplicated',
          why: 'Datagrams arrived twice; TFTP ignored the copies.',
        },
      },
    },
    'loss-and-jitter': {
      explain: '10 % lost, and every datagram held 60 ms ± 40 ms (out of order at times).',
      params: {
        faults: [LOSS, { name: 'wan-latency', kind: 'latency', device: PUBLISHER, ms: 60, jitterMs: 40 }],
        second: { name: 'wan-latency', effect: 'delayed', why: 'Every datagram was held on the way.' },
      },
    },
  },
  // A phone's TFTP client waits seconds for a block (the kit's 400 ms is for a server that is gone):
  // 1 s, as long as the server's own resend interval, four times.
  lab: () => withPhoneSettings(cucmLab([P]), { timers: { tftpTimeoutMs: 1000, tftpRetries: 4 } }),
  steps: (v) => [
    ...v.params.faults.map((f) =>
      fault(`The WAN link: ${f.kind}`, 'Put on the UDP traffic of the publisher.', f),
    ),
    boot(P.mac, 'The phone fetches CTL, ITL and its signed config over the lossy link.'),
    expectBoot(P.mac, 'itl', 'updated', 'The ITL was installed: its signature verified over every byte.'),
    expectSameItl(P.mac, PUBLISHER, 'Seed 002: the MD5 on the phone equals the MD5 on the TFTP server.'),
    expectBoot(P.mac, 'config', 'verified', 'The signed config verified: it arrived whole.'),
    expectRegistration(P.mac, 'registered', 'The phone registers as on a clean link.'),
    ...v.params.faults.map((f) =>
      clearFault(`The WAN link is repaired: ${f.kind}`, 'The fault is taken off.', f.name ?? ''),
    ),
    expectFaultEffect(
      LOSS.name ?? '',
      'dropped',
      'Datagrams were lost on the way, and TFTP made up for them.',
    ),
    expectFaultEffect(v.params.second.name, v.params.second.effect, v.params.second.why),
  ],
});
