/**
 * Seed 002: "The security status of the least secure party is used to determine which icon is
 * displayed": Encrypted + Encrypted = lock (encrypted audio), Encrypted + Authenticated = shield
 * (unencrypted audio), Encrypted + Non-secure = no icon. Media: G.711 at 20 ms is 160 bytes of RTP
 * payload, 164 with SRTP.
 *
 * The call goes through CUCM (devices/cucm/call-control.ts): phone A goes off hook and dials B's line
 * (SCCP OffHook + KeypadButton), CUCM decides the call security from both devices' security modes and
 * tells both phones (CallInfo callSecurityStatus); each phone then sends real RTP or SRTP packets to the
 * other over UDP, and the expectations read what each phone received.
 */
import type { LabEvent } from '../emulator/events.ts';
import { act, defineScenario, expectThat } from '../emulator/scenario.ts';
import { mixedModeLab } from './kits/cucm.ts';
import {
  boot,
  expectRegistration,
  lastCall,
  type PhoneSpec,
  phone,
  type Security,
  sep,
} from './kits/phone.ts';

interface Params {
  other: Security;
  icon: 'lock' | 'shield' | 'none';
  payload: 160 | 164;
  security: 'Encrypted' | 'Authenticated' | 'NotAuthenticated';
}

/** What a phone received in the call (`phone.media` event), waited for. */
async function mediaOf(lab: Parameters<Parameters<typeof act>[2]>[0], device: string) {
  const e = (await lab.timeline.waitFor(
    `${device} reports the media it received`,
    (x) => x.kind === 'phone.media' && x.device === device,
    { timeoutMs: 5000 },
  )) as LabEvent<'phone.media'>;
  return e;
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
      params: { other: 'encrypted', icon: 'lock', payload: 164, security: 'Encrypted' },
    },
    'encrypted-authenticated': {
      explain: 'Encrypted calls Authenticated: shield, RTP (160 bytes).',
      params: { other: 'authenticated', icon: 'shield', payload: 160, security: 'Authenticated' },
    },
    'encrypted-nonsecure': {
      explain: 'Encrypted calls Non Secure: no icon, RTP.',
      params: { other: 'non-secure', icon: 'none', payload: 160, security: 'NotAuthenticated' },
    },
  },
  lab: (v) => mixedModeLab([A, B(v.params.other)]),
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
      'Phone A dials 1002 (phone B) through CUCM',
      'SCCP OffHook and KeypadButton digits to CUCM; CUCM rings B over its registration connection.',
      async (lab) => {
        const r = await phone(lab, A.mac).call('1002');
        if ('error' in r) throw new Error(r.error);
        await lab.timeline.waitFor(
          'phone B shows the call connected',
          (e) =>
            e.kind === 'phone.call' && e.device === sep(B(v.params.other).mac) && e.state === 'connected',
          { timeoutMs: 5000 },
        );
      },
    ),
    expectThat(
      `CUCM decides the call security: ${v.params.security}`,
      "CUCM takes the least secure of both devices' security modes (seed 002).",
      async (lab) => {
        const e = lab.timeline
          .ofKind('cucm.call', 'cucm-pub')
          .find((x) => x.result === 'connected' && x.caller === sep(A.mac));
        return {
          held: e?.security === v.params.security && e.called === sep(B(v.params.other).mac),
          saw: e ? `${e.caller} -> ${e.called}: ${e.security}` : 'no connected call',
        };
      },
    ),
    expectThat(
      `Both phones show ${v.params.icon === 'none' ? 'no icon' : `the ${v.params.icon} icon`}`,
      'Seed 002 table: the least secure party decides.',
      async (lab) => {
        const a = lastCall(lab, A.mac);
        const b = lastCall(lab, B(v.params.other).mac);
        return {
          held: a?.icon === v.params.icon && b?.icon === v.params.icon,
          saw: `A ${a?.icon}, B ${b?.icon}`,
        };
      },
    ),
    expectThat(
      `Each phone receives ${v.params.payload === 164 ? 'SRTP' : 'RTP'} packets with ${v.params.payload}-byte payloads`,
      'Seed 002: G.711 at 20 ms is 160 bytes of RTP payload; SRTP shows 164 (the 4-byte authentication tag).',
      async (lab) => {
        const a = await mediaOf(lab, sep(A.mac));
        const b = await mediaOf(lab, sep(B(v.params.other).mac));
        const one = (m: typeof a) =>
          m.received > 0 &&
          m.rejected === 0 &&
          m.payloadBytes.length === 1 &&
          m.payloadBytes[0] === v.params.payload &&
          m.audioBytes[0] === 160;
        return {
          held: one(a) && one(b) && a.media === (v.params.payload === 164 ? 'SRTP' : 'RTP'),
          saw: `A got ${a.received} ${a.media} x ${a.payloadBytes.join('/')} bytes, B got ${b.received} ${b.media} x ${b.payloadBytes.join('/')} bytes`,
        };
      },
    ),
    expectThat(
      v.params.payload === 164
        ? 'Silence is not visible in the SRTP payload'
        : 'Silence shows as 7F bytes in the clear',
      'Seed 002: G.711 silence is 7F7F7F... in RTP; with SRTP the payload on the wire is random-looking.',
      async (lab) => {
        const a = await mediaOf(lab, sep(A.mac));
        const wire = v.params.payload === 160;
        return {
          held: a.silencePattern && a.wireSilencePattern === wire,
          saw: `on the wire 7F silence: ${a.wireSilencePattern}, after decryption: ${a.silencePattern}`,
        };
      },
    ),
  ],
});
