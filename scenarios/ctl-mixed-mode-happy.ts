/**
 * Seed 002, the happy path of mixed mode: the cluster is secured with two hardware eTokens (or
 * tokenless), the phone downloads and trusts the CTL, enrols for an LSC through CAPF with an
 * authentication string, receives its configuration encrypted to that LSC, registers with SCCP over
 * TLS on 2443 and, calling another encrypted phone, shows the lock icon.
 */
import type { LabEvent } from '../emulator/events.ts';
import { act, defineScenario, expectLog, expectThat } from '../emulator/scenario.ts';
import { adminOutput, cucmLab, expectCertificateStatus } from './kits/cucm.ts';
import {
  boot,
  expectRegistration,
  expectStatus,
  heldTrustList,
  lastBoot,
  lastCall,
  type PhoneSpec,
  phone,
  sep,
} from './kits/phone.ts';

interface Params {
  mixedMode: 'etoken' | 'tokenless';
}

const A: PhoneSpec = {
  mac: '0011215A1AE3',
  model: 'CP-7975',
  firmware: 'sccp-79xx-9.4',
  protocol: 'SCCP',
  security: 'encrypted',
  line: '1001',
  tftpEncryptedConfig: true,
  capf: { operation: 'install', authMode: 'auth-string', authString: '12345', keySize: 2048 },
  typed: '12345',
};
const B: PhoneSpec = { ...A, mac: '0011215A1AE4', line: '1002' };

export default defineScenario<Params>({
  id: 'ctl-mixed-mode-happy',
  title: 'Mixed mode end to end: CTL, LSC through CAPF, encrypted config, SCCP over TLS, lock icon',
  seed: '002',
  tags: ['cucm', 'phone', 'ctl', 'capf', 'lsc', 'sccp', 'tls'],
  symptom: 'None: this is the reference path every mixed-mode fault departs from.',
  rootCause:
    'Not a fault. The phone trusts the first CTL, CAPF issues an LSC, CUCM encrypts the config to it, SCCP runs over TLS.',
  fix: '-',
  variants: {
    etoken: {
      explain: 'Mixed mode with two hardware eTokens (SAST); the CTL is signed by the first token.',
      params: { mixedMode: 'etoken' },
    },
    tokenless: {
      explain: 'Tokenless mixed mode (utils ctl set-cluster mixed-mode): the CTL is signed by ITLRecovery.',
      params: { mixedMode: 'tokenless' },
    },
  },
  lab: (v) => cucmLab([A, B], { release: '14', mixedMode: v.params.mixedMode, etokens: 2 }),
  steps: () => [
    boot(
      A.mac,
      'Phone A resets: TFTP for CTLSEP<MAC>.tlv, ITLSEP<MAC>.tlv, then its config; CAPF is pending so it enrols; then it registers.',
    ),
    expectLog(
      sep(A.mac),
      /SECD: tlRequestFile: Request CTLSEP0011215A1AE3\.tlv/,
      'The 79xx console shows the CTL request (seed 002 console log).',
    ),
    expectLog(
      sep(A.mac),
      /SECD: validate_file_envelope: File sign verify SUCCESS; header length <\d+>/,
      'The CTL signature verified with the SAST record (seed 002).',
    ),
    expectStatus(
      A.mac,
      'Trust List Updated',
      'Settings > Status > Status Messages shows the CTL (and ITL) were accepted (seed 002).',
    ),
    expectStatus(
      A.mac,
      'LSC Installed',
      'CAPF issued an LSC after the phone sent the right authentication string.',
    ),
    expectCertificateStatus(
      A.mac,
      3,
      'Upgrade Success',
      'CUCM records the CAPF outcome per device (seed 003 LSC status table).',
    ),
    expectThat(
      'The config reached the phone encrypted to its LSC',
      'With TFTP Encrypted Config, CUCM serves SEP<MAC>.cnf.xml.enc.sgn, which only the LSC key decrypts.',
      async (lab) => {
        const c = lastBoot(lab, A.mac)?.config;
        return { held: c?.outcome === 'decrypted', saw: `${c?.file}: ${c?.outcome}` };
      },
    ),
    expectRegistration(
      A.mac,
      'registered',
      'Device Security Mode Encrypted and a CCM record in the CTL: SCCP over TLS on 2443.',
      true,
    ),
    expectLog(
      'cucm-pub',
      /TLS Connection Cipher - INFO:deviceName=SEP0011215A1AE3, Cipher=[^,]+, Security Mode=3/,
      "CUCM's StationD trace shows the TLS cipher and security mode 3 (seed 002).",
    ),
    boot(B.mac, 'Phone B goes through the same steps.'),
    expectRegistration(B.mac, 'registered', 'Phone B is registered over TLS too.', true),
    act(
      'Phone A dials 1002 (phone B) through CUCM',
      'Both ends are encrypted: CUCM marks the call Encrypted and hands both phones SRTP keys.',
      async (lab) => {
        const r = await phone(lab, A.mac).call('1002');
        if ('error' in r) throw new Error(r.error);
        await lab.timeline.waitFor(
          'phone B shows the call connected',
          (e) => e.kind === 'phone.call' && e.device === sep(B.mac) && e.state === 'connected',
          { timeoutMs: 5000 },
        );
      },
    ),
    expectThat(
      'Both phones show the lock icon, media is SRTP (164-byte G.711 payloads)',
      'Seed 002: Encrypted + Encrypted = lock, encrypted audio; SRTP adds 4 bytes to the 160-byte G.711 payload.',
      async (lab) => {
        const a = lastCall(lab, A.mac);
        const b = lastCall(lab, B.mac);
        return {
          held: a?.icon === 'lock' && b?.icon === 'lock' && a.payloadBytes === 164,
          saw: `A ${a?.icon}/${a?.media}/${a?.payloadBytes}, B ${b?.icon}/${b?.media}`,
        };
      },
    ),
    expectThat(
      'Phone B receives SRTP packets of 164-byte payload from phone A',
      'Seed 002: in an SRTP stream the G.711 20 ms payload shows 164 bytes per packet.',
      async (lab) => {
        const e = (await lab.timeline.waitFor(
          'phone B reports the media it received',
          (x) => x.kind === 'phone.media' && x.device === sep(B.mac),
          { timeoutMs: 5000 },
        )) as LabEvent<'phone.media'>;
        const m = e;
        return {
          held: m.media === 'SRTP' && m.received > 0 && m.rejected === 0 && m.payloadBytes.join() === '164',
          saw: `${m.received} ${m.media} packets, payload ${m.payloadBytes.join('/')} bytes, ${m.rejected} rejected`,
        };
      },
    ),
    expectThat(
      'The CTL on the phone is byte for byte the one on the server',
      'Seed 002: compare the Trust List MD5 on the phone with show ctl.',
      async (lab) => {
        const out = await adminOutput(lab, 'show ctl');
        const md5 = /([0-9a-f]{32})\(MD5\)/.exec(out)?.[1];
        const onPhone = heldTrustList(lab, A.mac, 'CTL')?.md5;
        return { held: !!md5 && md5 === onPhone, saw: `server ${md5}, phone ${onPhone}` };
      },
    ),
  ],
});
