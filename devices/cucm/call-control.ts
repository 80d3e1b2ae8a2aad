/**
 * Call routing on CUCM: phone-to-phone calls over the registration connections (registration.ts),
 * CUCM in the middle of every call. The calling phone asks CUCM (SIP INVITE, sip-b2bua.ts; SCCP
 * OffHook + KeypadButton digits, sccp-call-flow.ts); CUCM finds the called line among the phones
 * registered anywhere in the cluster (the cluster's call directory, cluster.ts), decides the call's
 * security from both devices' security modes (call-security.ts), offers the call on the called
 * phone's registration connection, and relays the answer. Every routed or refused call is a
 * `cucm.call` event.
 *
 * Media goes only to hosts of the lab and carries SRTP keys only on an Encrypted call: CUCM strips
 * `a=crypto` (RFC 4568) otherwise. Failure wording is approximated: an unknown number gets `404 Not
 * Found` (SIP) or the reorder tone (SCCP); a known but unregistered line `480 Temporarily
 * Unavailable` or the reorder tone.
 */
import type { EventMap } from '../../emulator/events.ts';
import type { Fabric } from '../../emulator/fabric.ts';
import { isIpAddress } from '../../emulator/net/types.ts';
import type { SccpCallMessage } from '../protocols/sccp-call.ts';
import { parseSrtpInline } from '../protocols/sdp.ts';
import type { SipMessage, SipRequest } from '../protocols/sip.ts';
import {
  type CallOffer,
  type CallRouter,
  type Endpoint,
  type MediaDesc,
  type PlaceResult,
  SRTP_SUITE,
} from './call-endpoint.ts';
import { type CallSecurity, callSecurityOf, keepsSrtpKeys } from './call-security.ts';
import type { Cluster } from './cluster.ts';
import { onSccpCall, type SccpEndpoint } from './sccp-call-flow.ts';
import { onInvite, type SipEndpoint } from './sip-b2bua.ts';

export interface CallControlHost {
  readonly name: string;
  readonly fabric: Fabric;
  readonly cluster: Cluster;
  log(source: string, text: string, level?: 'debug' | 'info' | 'warning' | 'error'): void;
  /** A call routed or refused (the `cucm.call` event). */
  callRouted(e: EventMap['cucm.call']): void;
}

/** Call routing of one CUCM node over the cluster's registered phones. */
export class CallControl implements CallRouter {
  #callId = 1;
  /** The endpoints this node attached (its own registrations), detached when the node stops. */
  readonly #own = new Set<Endpoint>();

  constructor(private readonly h: CallControlHost) {}

  /** A phone registered on this node: callable from anywhere in the cluster. */
  attach(e: Endpoint): void {
    this.h.cluster.callDirectory.set(e.device, e);
    this.#own.add(e);
  }

  /** The registration is gone: its pending offers settle now and their timers stop. */
  detach(e: Endpoint): void {
    const directory = this.h.cluster.callDirectory;
    if (directory.get(e.device) === e) directory.delete(e.device);
    this.#own.delete(e);
    e.close();
  }

  /** The node stops: every call it is setting up ends now, no timer outlives it. */
  stop(): void {
    for (const e of [...this.#own]) this.detach(e);
  }

  log(source: string, text: string, level?: 'debug' | 'info' | 'warning' | 'error'): void {
    this.h.log(source, text, level);
  }

  /** The configured directory numbers of the cluster. */
  lines(): string[] {
    return [...this.h.cluster.phones.values()].flatMap((p) => (p.decl.line ? [p.decl.line] : []));
  }

  /** The configured device a dialled string reaches: a line's directory number, or a device name. */
  #resolve(dialled: string): string | null {
    for (const [name, p] of this.h.cluster.phones) if (p.decl.line && p.decl.line === dialled) return name;
    return this.h.cluster.phone(dialled) ? dialled.toUpperCase() : null;
  }

  /**
   * Why a side's media cannot be used, or null: media goes only to a host of the lab (its loopback
   * block, by the fabric's host table: never the system resolver, never UDP off the machine), to a UDP
   * port, with an SRTP key that is a 30-byte master key ‖ salt.
   */
  #mediaProblem(m: MediaDesc): string | null {
    if (isIpAddress(m.address) !== 4 || this.h.fabric.hostAt(m.address) === null)
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
  ): Promise<PlaceResult> {
    const id = this.#callId++;
    const fail = (status: number, reason: string, called: string | null, why?: string) => {
      this.h.log(
        'ccm',
        `CallControl: call ${id} from ${caller.device} to ${dialled} failed: ${status} ${reason}${why ? ` (${why})` : ''}`,
        'warning',
      );
      this.h.callRouted({
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
    const called = this.h.cluster.callDirectory.get(target);
    if (!called) return fail(480, 'Temporarily Unavailable', target);
    if (called === caller) return fail(486, 'Busy Here', target);
    const { security, icon } = callSecurityOf(caller.securityMode, called.securityMode);
    const keep = keepsSrtpKeys(security);
    const remote = await callerMedia(security, id);
    if (!remote) return fail(488, 'Not Acceptable Here', target, 'no usable media offer');
    const offer: CallOffer = {
      id,
      callingDn: caller.dn,
      callingName: caller.device,
      calledDn: called.dn,
      security,
      remote: { ...remote, key: keep ? remote.key : null },
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
    const answer = { ...a.media, key: keep ? a.media.key : null };
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
    called.established(id);
    this.h.callRouted({
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

  /** A SIP INVITE from a registered phone on its registration connection (sip-b2bua.ts). */
  onInvite(caller: SipEndpoint, m: SipRequest, send: (r: SipMessage) => void, server: string): Promise<void> {
    return onInvite(this, caller, m, send, server);
  }

  /** A call message from a registered SCCP phone (sccp-call-flow.ts). Never rejects. */
  onSccp(caller: SccpEndpoint, m: SccpCallMessage): Promise<void> {
    return onSccpCall(this, caller, m);
  }
}
