/**
 * What call control (call-control.ts) needs of a registered phone: its identity, its security mode,
 * and how to offer it a call and tell it the call's outcome. A SIP phone's side is sip-b2bua.ts, an
 * SCCP phone's sccp-call-flow.ts. Also the media a call carries (address, port, SRTP key) and how it
 * travels in SDP (RFC 4566, RFC 4568 `a=crypto`) and in SCCP key blocks.
 */
import { randomBytes } from 'node:crypto';
import type { SccpMediaKey } from '../protocols/sccp-call.ts';
import { type AudioSdp, buildAudioSdp, parseSrtpInline } from '../protocols/sdp.ts';
import type { CallIcon, CallSecurity, CucmSignalling } from './events.ts';

/** One side's media: where it receives, and the SRTP master key (key ‖ salt, base64) it sends with. */
export interface MediaDesc {
  address: string;
  port: number;
  key: string | null;
}

export interface CallOffer {
  id: number;
  callingDn: string;
  callingName: string;
  calledDn: string;
  security: CallSecurity;
  /** The caller's media (key only on an Encrypted call). */
  remote: MediaDesc;
}

export type Answer = { ok: true; media: MediaDesc } | { ok: false; status: number; reason: string };

export const SETUP_TIMEOUT_MS = 5000;
export const SRTP_SUITE = 'AES_CM_128_HMAC_SHA1_32';

export function newKey(): string {
  return randomBytes(30).toString('base64');
}

/** The SCCP key block of a 30-byte master key ‖ salt (checked by parseSrtpInline before it gets here). */
export function toSccpKey(k: string | null): SccpMediaKey | null {
  if (!k) return null;
  const b = parseSrtpInline({ suite: SRTP_SUITE, inline: k });
  if (!b) throw new RangeError('SRTP master key is not 30 bytes');
  return { algorithm: 1, key: b.subarray(0, 16), salt: b.subarray(16, 30) };
}

/**
 * One side's media from its SDP; null when there is none, or when the call is Encrypted and the side's
 * `a=crypto` key is not a valid master key ‖ salt of its suite (RFC 4568; CUCM refuses with 488).
 */
export function fromSdp(s: AudioSdp | null, keep: boolean): MediaDesc | null {
  if (!s) return null;
  if (keep && s.crypto && !parseSrtpInline(s.crypto)) return null;
  return { address: s.address, port: s.port, key: keep ? (s.crypto?.inline ?? null) : null };
}

export function sdpOf(m: MediaDesc): Buffer {
  return Buffer.from(
    buildAudioSdp({
      address: m.address,
      port: m.port,
      profile: m.key ? 'RTP/SAVP' : 'RTP/AVP',
      crypto: m.key ? { suite: SRTP_SUITE, inline: m.key } : null,
    }),
  );
}

/** What call control needs of a registered phone: its identity and how to offer it a call. */
export abstract class Endpoint {
  abstract readonly protocol: CucmSignalling;
  constructor(
    readonly device: string,
    readonly dn: string,
    readonly securityMode: number,
    readonly address: string,
  ) {}
  abstract offer(o: CallOffer): Promise<Answer>;
  /** The call is up: the called side learns the caller's media where its protocol needs it. */
  abstract connected(o: CallOffer, local: MediaDesc): void;
  /**
   * Call `id` failed or ended after this side was offered it: tell the phone (SCCP CallState OnHook,
   * SIP CANCEL while the INVITE is pending or BYE once it answered) and forget the call's state.
   */
  abstract release(id: number): void;
  /** The call is up and stays up (no teardown modelled): per-call bookkeeping may go. */
  established(_id: number): void {}
  /** The registration is gone: settle whatever waits on this phone now and stop its timers. */
  abstract close(): void;
}

/** A routed call, as a phone's side hands it to call control and back. */
export type PlaceResult =
  | { ok: true; offer: CallOffer; answer: MediaDesc; called: Endpoint; icon: CallIcon }
  | { ok: false; status: number; reason: string };

/** Call routing as the protocol sides see it (call-control.ts implements it). */
export interface CallRouter {
  /**
   * Routes a call from `caller` to `dialled`; `callerMedia` gives the caller's media once CUCM has
   * decided the call's security (and its call id).
   */
  place(
    caller: Endpoint,
    dialled: string,
    callerMedia: (security: CallSecurity, id: number) => Promise<MediaDesc | null>,
  ): Promise<PlaceResult>;
  /** The configured directory numbers (SCCP digit collection stops when the digits are one). */
  lines(): string[];
  log(source: string, text: string, level?: 'debug' | 'info' | 'warning' | 'error'): void;
}
