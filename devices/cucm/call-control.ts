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
import { isIPv4 } from 'node:net';
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
  parseSrtpInline,
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

/** The SCCP key block of a 30-byte master key ‖ salt (checked by parseSrtpInline before it gets here). */
function toSccpKey(k: string | null): SccpMediaKey | null {
  if (!k) return null;
  const b = parseSrtpInline({ suite: SRTP_SUITE, inline: k });
  if (!b) throw new RangeError('SRTP master key is not 30 bytes');
  return { algorithm: 1, key: b.subarray(0, 16), salt: b.subarray(16, 30) };
}

/**
 * One side's media from its SDP; null when there is none, or when the call is Encrypted and the side's
 * `a=crypto` key is not a valid master key ‖ salt of its suite (RFC 4568; CUCM refuses with 488).
 */
function fromSdp(s: AudioSdp | null, keep: boolean): MediaDesc | null {
  if (!s) return null;
  if (keep && s.crypto && !parseSrtpInline(s.crypto)) return null;
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
  /**
   * Call `id` failed or ended after this side was offered it: tell the phone (SCCP CallState OnHook,
   * SIP CANCEL while the INVITE is pending or BYE once it answered) and forget the call's state.
   */
  abstract release(id: number): void;
  /** The registration is gone: settle whatever waits on this phone now and stop its timers. */
  abstract close(): void;
}

interface SipLeg {
  callId: string;
  uri: string;
  base: [string, string][];
  cseq: number;
  /** pending: INVITE sent, no final answer; answered: 200 OK (a dialog to BYE); done: nothing to end. */
  state: 'pending' | 'answered' | 'done';
  to: string;
  timer: NodeJS.Timeout | null;
  settle: (a: Answer) => void;
  /** Encrypted call: the answer's `a=crypto` key is kept (and checked). */
  encrypted: boolean;
}

/** A SIP phone's registration connection, seen from CUCM's side of a call. */
export class SipEndpoint extends Endpoint {
  readonly protocol = 'SIP' as const;
  /** CUCM's legs to this phone, by call id (call control) and by SIP Call-ID. */
  readonly #legs = new Map<number, SipLeg>();
  readonly #byCallId = new Map<string, SipLeg>();
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
    if (m.status < 200) return;
    const leg = this.#byCallId.get(header(m, 'call-id') ?? '');
    if (leg?.state !== 'pending') return;
    if (leg.timer) clearTimeout(leg.timer);
    leg.timer = null;
    leg.to = header(m, 'to') ?? leg.to;
    // B2BUA: CUCM acknowledges the called leg's final answer itself.
    this.io.send(this.#request(leg, 'ACK', leg.cseq));
    if (m.status !== 200) {
      leg.state = 'done';
      leg.settle({ ok: false, status: m.status, reason: m.reason });
      return;
    }
    leg.state = 'answered';
    const media = fromSdp(parseAudioSdp(m.body.toString('utf8')), leg.encrypted);
    leg.settle(media ? { ok: true, media } : { ok: false, status: 488, reason: 'Not Acceptable Here' });
  }

  #request(leg: SipLeg, method: string, cseq: number): SipRequest {
    return {
      kind: 'request',
      method,
      uri: leg.uri,
      headers: [
        ...leg.base.slice(0, 2),
        ['To', leg.to],
        ['Call-ID', leg.callId],
        ['CSeq', `${cseq} ${method}`],
      ],
      body: Buffer.alloc(0),
    };
  }

  offer(o: CallOffer): Promise<Answer> {
    const callId = `${randomBytes(8).toString('hex')}@${this.io.node}`;
    const tag = randomBytes(4).toString('hex');
    const cseq = this.#cseq++;
    const uri = `sip:${o.calledDn}@${this.address}`;
    const base: [string, string][] = [
      [
        'Via',
        `SIP/2.0/${this.io.transport} ${this.io.local};branch=z9hG4bK${randomBytes(4).toString('hex')}`,
      ],
      ['From', `"${o.callingName}" <sip:${o.callingDn}@${this.io.node}>;tag=${tag}`],
      ['To', `<${uri}>`],
      ['Call-ID', callId],
    ];
    const invite: SipRequest = {
      kind: 'request',
      method: 'INVITE',
      uri,
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
      const leg: SipLeg = {
        callId,
        uri,
        base,
        cseq,
        state: 'pending',
        to: `<${uri}>`,
        timer: null,
        settle: resolve,
        encrypted: o.security === 'Encrypted',
      };
      leg.timer = setTimeout(() => {
        leg.timer = null;
        // No final answer: CANCEL the INVITE (release() below, from call control's failure path).
        resolve({ ok: false, status: 408, reason: 'Request Timeout' });
      }, SETUP_TIMEOUT_MS);
      leg.timer.unref?.();
      this.#legs.set(o.id, leg);
      this.#byCallId.set(callId, leg);
      this.io.send(invite);
    });
  }

  connected(): void {
    // The called SIP phone learned the caller's media from the INVITE and starts on CUCM's ACK.
  }

  release(id: number): void {
    const leg = this.#legs.get(id);
    if (!leg) return;
    this.#forget(id, leg);
    if (leg.state === 'pending') this.io.send(this.#request(leg, 'CANCEL', leg.cseq));
    else if (leg.state === 'answered') this.io.send(this.#request(leg, 'BYE', leg.cseq + 1));
    leg.state = 'done';
    leg.settle({ ok: false, status: 487, reason: 'Request Terminated' });
  }

  /** The call is up and stays up (no teardown modelled): only the bookkeeping goes. */
  established(id: number): void {
    const leg = this.#legs.get(id);
    if (leg) this.#forget(id, leg);
  }

  #forget(id: number, leg: SipLeg): void {
    if (leg.timer) clearTimeout(leg.timer);
    leg.timer = null;
    this.#legs.delete(id);
    this.#byCallId.delete(leg.callId);
  }

  close(): void {
    for (const [id, leg] of [...this.#legs]) {
      this.#forget(id, leg);
      if (leg.state === 'pending') leg.settle({ ok: false, status: 480, reason: 'Temporarily Unavailable' });
      leg.state = 'done';
    }
  }
}

/** A receive channel CUCM opened on an SCCP phone for one call: StartMediaTransmission reuses both. */
interface SccpChannel {
  passThruPartyId: number;
  /** CUCM-generated SRTP send key of this phone for this call (SCCP phones get keys from CUCM). */
  sendKey: string | null;
}

/** An SCCP phone's registration connection: CUCM drives its call state and media channels. */
export class SccpEndpoint extends Endpoint {
  readonly protocol = 'SCCP' as const;
  #waiters: {
    type: SccpCallMessage['type'];
    resolve: (m: SccpCallMessage | null) => void;
  }[] = [];
  readonly #channels = new Map<number, SccpChannel>();
  #passThru = 1000;
  #closed = false;

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
    if (this.#closed) return Promise.resolve(null);
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
    const passThruPartyId = this.#passThru++;
    const ack = this.waitFor('OpenReceiveChannelAck');
    this.send({ type: 'OpenReceiveChannel', passThruPartyId, callReference });
    const a = await ack;
    if (a?.status !== 0) return null;
    const sendKey = encrypted ? newKey() : null;
    this.#channels.set(callReference, { passThruPartyId, sendKey });
    return { address: a.ip, port: a.port, key: sendKey };
  }

  startMedia(callReference: number, remote: MediaDesc): void {
    const ch = this.#channels.get(callReference);
    if (!ch) throw new Error(`no receive channel open for call ${callReference}`);
    this.#channels.delete(callReference);
    this.send({
      type: 'StartMediaTransmission',
      passThruPartyId: ch.passThruPartyId,
      remoteIp: remote.address,
      remotePort: remote.port,
      callReference,
      sendKey: toSccpKey(ch.sendKey),
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

  /** Forgets call `id`'s receive channel without telling the phone (it hears reorder instead). */
  dropChannel(id: number): void {
    this.#channels.delete(id);
  }

  release(id: number): void {
    this.#channels.delete(id);
    if (this.#closed) return;
    this.send({ type: 'CallState', state: SccpCallState.OnHook, lineInstance: 1, callReference: id });
  }

  close(): void {
    this.#closed = true;
    this.#channels.clear();
    for (const w of this.#waiters.splice(0)) w.resolve(null);
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
  /** The endpoints this node attached (its own registrations), detached when the node stops. */
  readonly #own = new Set<Endpoint>();

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
    this.#own.add(e);
  }

  /** The registration is gone: its pending offers settle now and their timers stop. */
  detach(e: Endpoint): void {
    if (this.#directory.get(e.device) === e) this.#directory.delete(e.device);
    this.#dialled.delete(e);
    this.#own.delete(e);
    e.close();
  }

  /** The node stops: every call it is setting up ends now, no timer outlives it. */
  stop(): void {
    for (const e of [...this.#own]) this.detach(e);
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
   * Why a side's media cannot be used, or null: media goes only to a host of the lab (its loopback
   * block, by the fabric's host table: never the system resolver, never UDP off the machine), to a UDP
   * port, with an SRTP key that is a 30-byte master key ‖ salt.
   */
  #mediaProblem(m: MediaDesc): string | null {
    if (!isIPv4(m.address) || this.h.fabric.hostAt(m.address) === null)
      return `media address ${m.address} is not a lab host`;
    if (!Number.isInteger(m.port) || m.port < 1 || m.port > 65535) return `media port ${m.port} is invalid`;
    if (m.key && !parseSrtpInline({ suite: SRTP_SUITE, inline: m.key }))
      return 'SRTP key is not a 30-byte master key and salt';
    return null;
  }

  /**
   * Routes a call from `caller` to `dialled`: CUCM's security decision, the offer to the called phone,
   * and its answer (the called phone's media, keys only on an Encrypted call). The caller's media is
   * checked before the called phone rings; a call that fails after ringing is released on the called
   * side (Endpoint.release).
   */
  async place(
    caller: Endpoint,
    dialled: string,
    callerMedia: (security: CallSecurity, id: number) => Promise<MediaDesc | null>,
  ): Promise<
    | { ok: true; offer: CallOffer; answer: MediaDesc; called: Endpoint; icon: CallIcon }
    | { ok: false; status: number; reason: string }
  > {
    const id = this.#callId++;
    const fail = (status: number, reason: string, called: string | null, why?: string) => {
      this.h.log(
        'ccm',
        `CallControl: call ${id} from ${caller.device} to ${dialled} failed: ${status} ${reason}${why ? ` (${why})` : ''}`,
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
    const remote = await callerMedia(security, id);
    if (!remote) return fail(488, 'Not Acceptable Here', target, 'no usable media offer');
    const offer: CallOffer = {
      id,
      callingDn: caller.dn,
      callingName: caller.device,
      calledDn: called.dn,
      security,
      remote: { ...remote, key: security === 'Encrypted' ? remote.key : null },
    };
    const bad = this.#mediaProblem(offer.remote);
    if (bad) return fail(488, 'Not Acceptable Here', target, bad);
    this.h.log(
      'ccm',
      `CallControl: call ${id} from ${caller.device} (${caller.dn}, security mode ${caller.securityMode}) to ${called.device} (${called.dn}, security mode ${called.securityMode}): call security ${security}`,
      'info',
    );
    const a = await called.offer(offer);
    if (!a.ok) {
      called.release(id);
      return fail(a.status, a.reason, target);
    }
    const answer = { ...a.media, key: security === 'Encrypted' ? a.media.key : null };
    const badAnswer = this.#mediaProblem(answer);
    if (badAnswer) {
      called.release(id);
      return fail(488, 'Not Acceptable Here', target, badAnswer);
    }
    try {
      called.connected(offer, answer);
    } catch (e) {
      called.release(id);
      return fail(500, 'Server Internal Error', target, (e as Error).message);
    }
    if (called instanceof SipEndpoint) called.established(id);
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
    try {
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
    } catch (e) {
      r.called.release(r.offer.id);
      throw e;
    }
  }

  /**
   * SCCP caller: OffHook starts digit collection; each KeypadButton adds a digit (0-9, 10 `*`, 11 `#`);
   * CUCM routes as soon as the digits are a configured line, and plays reorder as soon as no line
   * starts with them (no inter-digit timer modelled). Never rejects: a failure is the reorder tone.
   */
  async onSccp(caller: SccpEndpoint, m: SccpCallMessage): Promise<void> {
    try {
      await this.#sccp(caller, m);
    } catch (e) {
      // Bad input (or a bad far end) ends that call attempt, never the node.
      this.h.log('ccm', `CallControl: call from ${caller.device} failed: ${(e as Error).message}`, 'warning');
      try {
        caller.send({ type: 'StartTone', tone: SccpTone.Reorder, lineInstance: 1, callReference: 0 });
      } catch {
        // the phone's connection is gone
      }
    }
  }

  async #sccp(caller: SccpEndpoint, m: SccpCallMessage): Promise<void> {
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
    let id = 0;
    const r = await this.place(caller, digits, (security, callId) => {
      id = callId;
      return caller.openReceive(callId, security === 'Encrypted');
    });
    if (!r.ok) {
      caller.dropChannel(id);
      caller.send({ type: 'StartTone', tone: SccpTone.Reorder, lineInstance: 1, callReference: id });
      return;
    }
    try {
      caller.send({
        type: 'CallState',
        state: SccpCallState.Connected,
        lineInstance: 1,
        callReference: r.offer.id,
      });
      caller.info(r.offer, 2);
      caller.startMedia(r.offer.id, r.answer);
    } catch (e) {
      // The called phone is already connected: it is told the call is over.
      caller.dropChannel(r.offer.id);
      r.called.release(r.offer.id);
      throw e;
    }
  }
}
