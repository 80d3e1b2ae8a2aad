/**
 * Seed 002: "The security status of the least secure party is used to determine which icon is
 * displayed": Encrypted + Encrypted = lock (encrypted audio), Encrypted + Authenticated = shield
 * (unencrypted audio), Encrypted + Non-secure = no icon. Media: G.711 at 20 ms is 160 bytes of RTP
 * payload, 164 with SRTP.
 */
import { act, defineScenario, expectThat } from '../emulator/scenario.ts';
import {
  boot,
  cucmPhone,
  expectRegistration,
  type PhoneSpec,
  phone,
  phoneDevice,
  type Security,
  sep,
} from './_phone-common.ts';

interface Params {
  other: Security;
  icon: 'lock' | 'shield' | 'none';
  payload: 160 | 164;
}

const A: PhoneSpec = {
  mac: '0011215A1AE3',
  model: 'CP-7975',
  firmware: 'sccp-79xx-9.4',
  protocol: 'SCCP',
  security: 'encrypted',
  line: '1001',
};
const B = (security: Security): PhoneSpec => ({ ...A, mac: '0011215A1AE4', line: '1002', security });

export default defineScenario<Params>({
  id: 'call-security-icons',
  title: 'Call security icons: the least secure party decides (lock, shield, none)',
  seed: '002',
  tags: ['cucm', 'phone', 'call', 'srtp'],
  symptom: "None: the icon a call shows depends on both phones' device security modes.",
  rootCause:
    'Call security is the minimum of both ends: encrypted signalling and media (lock), authenticated signalling only (shield), or nothing.',
  fix: '-',
  variants: {
    'encrypted-encrypted': {
      explain: 'Both phones Encrypted: lock, SRTP (164-byte payloads).',
      params: { other: 'encrypted', icon: 'lock', payload: 164 },
    },
    'encrypted-authenticated': {
      explain: 'Encrypted calls Authenticated: shield, RTP (160 bytes).',
      params: { other: 'authenticated', icon: 'shield', payload: 160 },
    },
    'encrypted-nonsecure': {
      explain: 'Encrypted calls Non Secure: no icon, RTP.',
      params: { other: 'non-secure', icon: 'none', payload: 160 },
    },
  },
  lab: (v) => ({
    devices: [
      {
        kind: 'cucm',
        name: 'cucm-pub',
        aliases: ['cucm-pub.lab.example'],
        mixedMode: 'etoken',
        etokens: 2,
        phones: [cucmPhone(A), cucmPhone(B(v.params.other))],
      },
      phoneDevice(A),
      phoneDevice(B(v.params.other)),
    ],
  }),
  steps: (v) => [
    boot(A.mac, 'Phone A (Encrypted) registers over TLS.'),
    boot(
      B(v.params.other).mac,
      `Phone B (${v.params.other}) registers${v.params.other === 'non-secure' ? ' over TCP 2000' : ' over TLS'}.`,
    ),
    expectRegistration(A.mac, 'registered', 'Phone A is registered over TLS.', true),
    expectRegistration(
      B(v.params.other).mac,
      'registered',
      'Phone B is registered.',
      v.params.other !== 'non-secure',
    ),
    act(
      'Phone A calls phone B',
      "Each side learns the other's call security from the call signalling.",
      async (lab) => {
        const r = await phone(lab, A.mac).call(sep(B(v.params.other).mac));
        if ('error' in r) throw new Error(r.error);
      },
    ),
    expectThat(
      `Both phones show ${v.params.icon === 'none' ? 'no icon' : `the ${v.params.icon} icon`}`,
      'Seed 002 table: the least secure party decides.',
      async (lab) => {
        const a = phone(lab, A.mac).lastCall;
        const b = phone(lab, B(v.params.other).mac).lastCall;
        return {
          held: a?.icon === v.params.icon && b?.icon === v.params.icon,
          saw: `A ${a?.icon}, B ${b?.icon}`,
        };
      },
    ),
    expectThat(
      `Media payload is ${v.params.payload} bytes per 20 ms G.711 packet`,
      'Seed 002: 160 bytes of RTP payload, 164 with SRTP.',
      async (lab) => {
        const a = phone(lab, A.mac).lastCall;
        return { held: a?.payloadBytes === v.params.payload, saw: `${a?.media} ${a?.payloadBytes} bytes` };
      },
    ),
  ],
});
