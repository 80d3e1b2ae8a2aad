/**
 * Call control on CUCM: phone-to-phone calls routed over the registration connections
 * (registration.ts), CUCM as a back-to-back user agent. The calling phone asks CUCM (SIP INVITE on its
 * registration TLS/TCP connection; SCCP OffHook + KeypadButton digits), CUCM finds the called line
 * among the registered phones of the cluster, offers the call on the called phone's registration
 * connection (a new SIP dialog, or SCCP CallState RingIn + CallInfo), and relays the answer.
 *
 * Call security is CUCM's decision from both devices' security modes (seed 002: "The security status
 * of the least secure party is used to determine which icon is displayed"): Encrypted when both are
 * encrypted (lock, SRTP keys passed), Authenticated when the least secure is authenticated (shield, RTP),
 * NotAuthenticated otherwise (no icon). CUCM tells each phone: SIP `Call-Info:
 * <urn:x-cisco-remotecc:callinfo>;security=...`, SCCP CallInfo `callSecurityStatus` (devices/protocols/sccp.ts).
 * SRTP keys (RFC 4568 `a=crypto`) are passed only on an Encrypted call; CUCM strips them otherwise.
 *
 * Lab simplifications (labelled): the called phone answers at once (auto-answer); calls are not torn
 * down (no BYE / OnHook flow): a call is its set-up and a short burst of media; the dialled string may
 * be a directory number or (SIP, like URI dialling) a device name. Nodes of one cluster find each
 * other's registered phones through a per-cluster directory held in memory (standing in for the
 * intra-cluster signalling between CallManager nodes).
 * Failure wording is approximated: an unknown number gets `404 Not Found` (SIP) or the reorder tone
 * (SCCP StartTone 0x25); a known but unregistered line `480 Temporarily Unavailable` or the reorder tone.
 */
import { randomBytes } from 'node:crypto';
import type { Fabric } from '../../emulator/fabric.ts';
import {
  type SccpCallMessage,
  SccpCallSecurityStatus,
  SccpCallState,
  type SccpMediaKey,
  type SccpMessage,
  SccpTone,
  sccpCall,
} from '../protocols/sccp.ts';
import {
  type AudioSdp,
  buildAudioSdp,
  buildResponse,
  header,
  parseAudioSdp,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../protocols/sip.ts';
import type { Cluster } from './cluster.ts';
import type { CucmSignalling } from './events.ts';

export type CallSecurity = 'Encrypted' | 'Authenticated' | 'NotAuthenticated';
export type CallIcon = 'lock' | 'shield' | 'none';

declare module '../../emulator/events.ts' {
  interface EventMap {
    /** CUCM routed (or refused) a phone-to-phone call; `security` is its decision for both phones. */
    'cucm.call': {
      caller: string;
      dialled: string;
      called: string | null;
      security: CallSecurity | null;
      icon: CallIcon | null;
      result: 'connected' | 'failed';
      reason: string;
    };
  }
}

/** Seed 002 table: the least secure party decides. Modes: 1 non-secure, 2 authenticated, 3 encrypted. */
export function callSecurityOf(a: number, b: number): { security: CallSecurity; icon: CallIcon } {
  const least = Math.min(a, b);
  return least >= 3
    ? { security: 'Encrypted', icon: 'lock' }
    : least === 2
      ? { security: 'Authenticated', icon: 'shield' }
      : { security: 'NotAuthenticated', icon: 'none' };
}

const SCCP_SECURITY: Record<CallSecurity, number> = {
  Encrypted: SccpCallSecurityStatus.Encrypted,
  Authenticated: SccpCallSecurityStatus.Authenticated,
  NotAuthenticated: SccpCallSecurityStatus.NotAuthenticated,
};

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

type Answer = { ok: true; media: MediaDesc } | { ok: false; status: number; reason: string };

const SETUP_TIMEOUT_MS = 5000;
const SRTP_SUITE = 'AES_CM_128_HMAC_SHA1_32';

function newKey(): string {
  return randomBytes(30).toString('base64');
}

function toSccpKey(k: string | null): SccpMediaKey | null {
  if (!k) return null;
  const b = Buffer.from(k, 'base64');
  return { algorithm: 1, key: b.subarray(0, 16), salt: b.subarray(16, 30) };
}

function fromSdp(s: AudioSdp | null, keep: boolean): MediaDesc | null {
  if (!s) return null;
  return { address: s.address, port: s.port, key: keep ? (s.crypto?.inline ?? null) : null };
}

function sdpOf(m: MediaDesc): Buffer {
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
}

/** A SIP phone's registration connection, seen from CUCM's side of a call. */
export class SipEndpoint extends Endpoint {
  readonly protocol = 'SIP' as const;
  readonly #pending = new Map<string, (m: SipResponse) => void>();
  #cseq = 200;

  constructor(
    device: string,
    dn: string,
    securityMode: number,
    address: string,
    private readonly io: { send(m: SipMessage): void; local: string; transport: 'TCP' | 'TLS'; node: string },
  ) {
    super(device, dn, securityMode, address);
  }

  onResponse(m: SipResponse): void {
    const id = header(m, 'call-id') ?? '';
    if (m.status < 200) return;
    const done = this.#pending.get(id);
    if (done) {
      this.#pending.delete(id);
      done(m);
    }
  }

  offer(o: CallOffer): Promise<Answer> {
    const callId = `${randomBytes(8).toString('hex')}@${this.io.node}`;
    const tag = randomBytes(4).toString('hex');
    const cseq = this.#cseq++;
    const base: [string, string][] = [
      [
        'Via',
        `SIP/2.0/${this.io.transport} ${this.io.local};branch=z9hG4bK${randomBytes(4).toString('hex')}`,
      ],
      ['From', `"${o.callingName}" <sip:${o.callingDn}@${this.io.node}>;tag=${tag}`],
      ['To', `<sip:${o.calledDn}@${this.address}>`],
      ['Call-ID', callId],
    ];
    const invite: SipRequest = {
      kind: 'request',
      method: 'INVITE',
      uri: `sip:${o.calledDn}@${this.address}`,
      headers: [
        ...base,
        ['CSeq', `${cseq} INVITE`],
        ['Max-Forwards', '70'],
        ['Contact', `<sip:${o.callingDn}@${this.io.local};transport=${this.io.transport.toLowerCase()}>`],
        ['Call-Info', `<urn:x-cisco-remotecc:callinfo>;security=${o.security};orientation=to`],
        ['Content-Type', 'application/sdp'],
      ],
      body: sdpOf(o.remote),
    };
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(callId);
        resolve({ ok: false, status: 408, reason: 'Request Timeout' });
      }, SETUP_TIMEOUT_MS);
      timer.unref?.();
      this.#pending.set(callId, (r) => {
        clearTimeout(timer);
        const to = header(r, 'to') ?? base[2]?.[1] ?? '';
        // B2BUA: CUCM acknowledges the called leg's final answer itself.
        this.io.send({
          kind: 'request',
          method: 'ACK',
          uri: invite.uri,
          headers: [...base.slice(0, 2), ['To', to], ['Call-ID', callId], ['CSeq', `${cseq} ACK`]],
          body: Buffer.alloc(0),
        });
        if (r.status !== 200) return resolve({ ok: false, status: r.status, reason: r.reason });
        const media = fromSdp(parseAudioSdp(r.body.toString('utf8')), o.security === 'Encrypted');
        resolve(media ? { ok: true, media } : { ok: false, status: 488, reason: 'Not Acceptable Here' });
      });
      this.io.send(invite);
    });
  }

  connected(): void {
    // The called SIP phone learned the caller's media from the INVITE and starts on CUCM's ACK.
  }
}

/** An SCCP phone's registration connection: CUCM drives its call state and media channels. */
export class SccpEndpoint extends Endpoint {
  readonly protocol = 'SCCP' as const;
  #waiters: { type: SccpCallMessage['type']; resolve: (m: SccpCallMessage | null) => void }[] = [];
  /** CUCM-generated SRTP send key of this phone for the current call (SCCP phones get keys from CUCM). */
  #sendKey: string | null = null;
  #passThru = 1000;

  constructor(
    device: string,
    dn: string,
    securityMode: number,
    address: string,
    private readonly io: { send(m: SccpMessage): void },
  ) {
    super(device, dn, securityMode, address);
  }

  send(m: SccpCallMessage): void {
    this.io.send(sccpCall(m));
  }

  /** A call message from the phone: wakes whoever in call control waits for it. */
  deliver(m: SccpCallMessage): boolean {
    const i = this.#waiters.findIndex((w) => w.type === m.type);
    if (i < 0) return false;
    const [w] = this.#waiters.splice(i, 1);
    w?.resolve(m);
    return true;
  }

  waitFor<T extends SccpCallMessage['type']>(type: T): Promise<Extract<SccpCallMessage, { type: T }> | null> {
    return new Promise((resolve) => {
      const w = {
        type,
        resolve: (m: SccpCallMessage | null) => {
          clearTimeout(timer);
          resolve(m as Extract<SccpCallMessage, { type: T }> | null);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((x) => x !== w);
        resolve(null);
      }, SETUP_TIMEOUT_MS);
      timer.unref?.();
      this.#waiters.push(w);
    });
  }

  /** OpenReceiveChannel → OpenReceiveChannelAck: where this phone receives (and its send key, if SRTP). */
  async openReceive(callReference: number, encrypted: boolean): Promise<MediaDesc | null> {
    const ack = this.waitFor('OpenReceiveChannelAck');
    this.send({ type: 'OpenReceiveChannel', passThruPartyId: this.#passThru++, callReference });
    const a = await ack;
    if (a?.status !== 0) return null;
    this.#sendKey = encrypted ? newKey() : null;
    return { address: a.ip, port: a.port, key: this.#sendKey };
  }

  startMedia(callReference: number, remote: MediaDesc): void {
    this.send({
      type: 'StartMediaTransmission',
      passThruPartyId: this.#passThru,
      remoteIp: remote.address,
      remotePort: remote.port,
      callReference,
      sendKey: toSccpKey(this.#sendKey),
      recvKey: toSccpKey(remote.key),
    });
  }

  info(o: CallOffer, callType: 1 | 2): void {
    this.send({
      type: 'CallInfo',
      callingPartyName: o.callingName,
      callingParty: o.callingDn,
      calledPartyName: '',
      calledParty: o.calledDn,
      lineInstance: 1,
      callReference: o.id,
      callType,
      callSecurityStatus: SCCP_SECURITY[o.security],
    });
  }

  async offer(o: CallOffer): Promise<Answer> {
    const answered = this.waitFor('OffHook');
    this.send({ type: 'CallState', state: SccpCallState.RingIn, lineInstance: 1, callReference: o.id });
    this.info(o, 1);
    if (!(await answered)) return { ok: false, status: 408, reason: 'no answer' };
    const media = await this.openReceive(o.id, o.security === 'Encrypted');
    return media ? { ok: true, media } : { ok: false, status: 488, reason: 'OpenReceiveChannel failed' };
  }

  connected(o: CallOffer): void {
    this.send({ type: 'CallState', state: SccpCallState.Connected, lineInstance: 1, callReference: o.id });
    this.info(o, 1);
    this.startMedia(o.id, o.remote);
  }
}

const directories = new WeakMap<Cluster, Map<string, Endpoint>>();

export interface CallControlHost {
  readonly name: string;
  readonly fabric: Fabric;
  readonly cluster: Cluster;
  log(source: string, text: string, level?: 'debug' | 'info' | 'warning' | 'error'): void;
}

/** Call routing of one CUCM node over the cluster's registered phones. */
export class CallControl {
  #callId = 1;
  readonly #dialled = new Map<Endpoint, string>();

  constructor(private readonly h: CallControlHost) {}

  get #directory(): Map<string, Endpoint> {
    let d = directories.get(this.h.cluster);
    if (!d) {
      d = new Map();
      directories.set(this.h.cluster, d);
    }
    return d;
  }

  attach(e: Endpoint): void {
    this.#directory.set(e.device, e);
  }

  detach(e: Endpoint): void {
    if (this.#directory.get(e.device) === e) this.#directory.delete(e.device);
    this.#dialled.delete(e);
  }

  /** The configured device a dialled string reaches: a line's directory number, or a device name. */
  #resolve(dialled: string): string | null {
    for (const [name, p] of this.h.cluster.phones) if (p.decl.line && p.decl.line === dialled) return name;
    return this.h.cluster.phone(dialled) ? dialled.toUpperCase() : null;
  }

  #lines(): string[] {
    return [...this.h.cluster.phones.values()].flatMap((p) => (p.decl.line ? [p.decl.line] : []));
  }

  /**
   * Routes a call from `caller` to `dialled`: CUCM's security decision, the offer to the called phone,
   * and its answer (the called phone's media, keys only on an Encrypted call).
   */
  async place(
    caller: Endpoint,
    dialled: string,
    callerMedia: (security: CallSecurity) => Promise<MediaDesc | null>,
  ): Promise<
    | { ok: true; offer: CallOffer; answer: MediaDesc; called: Endpoint; icon: CallIcon }
    | { ok: false; status: number; reason: string }
  > {
    const id = this.#callId++;
    const fail = (status: number, reason: string, called: string | null) => {
      this.h.log(
        'ccm',
        `CallControl: call ${id} from ${caller.device} to ${dialled} failed: ${status} ${reason}`,
        'warning',
      );
      this.h.fabric.timeline.emit(this.h.name, 'cucm.call', {
        caller: caller.device,
        dialled,
        called,
        security: null,
        icon: null,
        result: 'failed',
        reason: `${status} ${reason}`,
      });
      return { ok: false as const, status, reason };
    };
    const target = this.#resolve(dialled);
    if (!target) return fail(404, 'Not Found', null);
    const called = this.#directory.get(target);
    if (!called) return fail(480, 'Temporarily Unavailable', target);
    if (called === caller) return fail(486, 'Busy Here', target);
    const { security, icon } = callSecurityOf(caller.securityMode, called.securityMode);
    const remote = await callerMedia(security);
    if (!remote) return fail(488, 'Not Acceptable Here', target);
    const offer: CallOffer = {
      id,
      callingDn: caller.dn,
      callingName: caller.device,
      calledDn: called.dn,
      security,
      remote: { ...remote, key: security === 'Encrypted' ? remote.key : null },
    };
    this.h.log(
      'ccm',
      `CallControl: call ${id} from ${caller.device} (${caller.dn}, security mode ${caller.securityMode}) to ${called.device} (${called.dn}, security mode ${called.securityMode}): call security ${security}`,
      'info',
    );
    const a = await called.offer(offer);
    if (!a.ok) return fail(a.status, a.reason, target);
    const answer = { ...a.media, key: security === 'Encrypted' ? a.media.key : null };
    called.connected(offer, answer);
    this.h.fabric.timeline.emit(this.h.name, 'cucm.call', {
      caller: caller.device,
      dialled,
      called: called.device,
      security,
      icon,
      result: 'connected',
      reason: 'connected',
    });
    return { ok: true, offer, answer, called, icon };
  }

  /** A SIP INVITE from a registered phone on its registration connection. */
  async onInvite(caller: SipEndpoint, m: SipRequest, send: (r: SipMessage) => void, server: string) {
    try {
      await this.#invite(caller, m, send, server);
    } catch (e) {
      // Bad input from a phone ends that call attempt, never the node.
      this.h.log(
        'ccm',
        `CallControl: cannot handle INVITE from ${caller.device}: ${(e as Error).message}`,
        'warning',
      );
      send(buildResponse(m, 500, 'Server Internal Error', [['Server', server]], { toTag: 'uclab' }));
    }
  }

  async #invite(caller: SipEndpoint, m: SipRequest, send: (r: SipMessage) => void, server: string) {
    send(buildResponse(m, 100, 'Trying', [['Server', server]]));
    const dialled = /^sips?:([^@;>]+)/.exec(m.uri)?.[1] ?? '';
    const r = await this.place(caller, dialled, async (security) =>
      fromSdp(parseAudioSdp(m.body.toString('utf8')), security === 'Encrypted'),
    );
    const toTag = randomBytes(4).toString('hex');
    if (!r.ok) {
      send(buildResponse(m, r.status, r.reason, [['Server', server]], { toTag }));
      return;
    }
    send(
      buildResponse(
        m,
        200,
        'OK',
        [
          ['Server', server],
          ['Contact', `<sip:${r.called.dn}@${this.h.name}>`],
          ['Call-Info', `<urn:x-cisco-remotecc:callinfo>;security=${r.offer.security};orientation=from`],
          ['Content-Type', 'application/sdp'],
        ],
        { toTag, body: sdpOf(r.answer) },
      ),
    );
  }

  /**
   * SCCP caller: OffHook starts digit collection; each KeypadButton adds a digit (0-9, 10 `*`, 11 `#`);
   * CUCM routes as soon as the digits are a configured line, and plays reorder as soon as no line
   * starts with them (no inter-digit timer modelled).
   */
  onSccp(caller: SccpEndpoint, m: SccpCallMessage): void {
    if (caller.deliver(m)) return;
    if (m.type === 'OffHook') {
      this.#dialled.set(caller, '');
      caller.send({ type: 'CallState', state: SccpCallState.OffHook, lineInstance: 1, callReference: 0 });
      return;
    }
    if (m.type !== 'KeypadButton') return;
    const so_far = this.#dialled.get(caller);
    if (so_far === undefined) return;
    const digit = m.button <= 9 ? String(m.button) : m.button === 10 ? '*' : m.button === 11 ? '#' : '';
    const digits = so_far + digit;
    this.#dialled.set(caller, digits);
    const lines = this.#lines();
    if (!lines.includes(digits) && lines.some((l) => l.startsWith(digits))) return;
    this.#dialled.delete(caller);
    const reorder = () =>
      caller.send({ type: 'StartTone', tone: SccpTone.Reorder, lineInstance: 1, callReference: 0 });
    void this.place(caller, digits, (security) => caller.openReceive(0, security === 'Encrypted')).then(
      (r) => {
        if (!r.ok) {
          reorder();
          return;
        }
        caller.send({
          type: 'CallState',
          state: SccpCallState.Connected,
          lineInstance: 1,
          callReference: r.offer.id,
        });
        caller.info(r.offer, 2);
        caller.startMedia(r.offer.id, r.answer);
      },
      (e: Error) => {
        this.h.log('ccm', `CallControl: call from ${caller.device} failed: ${e.message}`, 'warning');
        reorder();
      },
    );
  }
}
