/**
 * An SCCP phone's calls, driven by CUCM over its registration connection (registration.ts): the
 * caller goes off hook (CallState OffHook), dials with KeypadButton digits, and CUCM routes as soon
 * as the digits are a configured line; the called phone is rung (CallState RingIn + CallInfo with
 * `callSecurityStatus`), answers with OffHook, and both get their media channels
 * (OpenReceiveChannel / StartMediaTransmission, with SRTP keys CUCM generates on an Encrypted call).
 * Message layouts: devices/protocols/sccp.ts.
 *
 * Lab simplifications (labelled): no inter-digit timer (reorder as soon as no line starts with the
 * digits); failure is the reorder tone (StartTone 0x25), as on a real phone for an unknown number.
 */
import type { SccpMessage } from '../protocols/sccp.ts';
import { type SccpCallMessage, SccpCallState, SccpTone, sccpCall } from '../protocols/sccp-call.ts';
import {
  type Answer,
  type CallOffer,
  type CallRouter,
  Endpoint,
  type MediaDesc,
  newKey,
  SETUP_TIMEOUT_MS,
  toSccpKey,
} from './call-endpoint.ts';
import { keepsSrtpKeys, SCCP_CALL_SECURITY } from './call-security.ts';

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
  /** The digits dialled since OffHook (null: not collecting). */
  dialled: string | null = null;

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
      callSecurityStatus: SCCP_CALL_SECURITY[o.security],
    });
  }

  async offer(o: CallOffer): Promise<Answer> {
    const answered = this.waitFor('OffHook');
    this.send({ type: 'CallState', state: SccpCallState.RingIn, lineInstance: 1, callReference: o.id });
    this.info(o, 1);
    if (!(await answered)) return { ok: false, status: 408, reason: 'no answer' };
    const media = await this.openReceive(o.id, keepsSrtpKeys(o.security));
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
    this.dialled = null;
    this.#channels.clear();
    for (const w of this.#waiters.splice(0)) w.resolve(null);
  }
}

/**
 * A call message from an SCCP phone that no set-up step waits for: OffHook starts digit collection;
 * each KeypadButton adds a digit (0-9, 10 `*`, 11 `#`). Never rejects: a failure is the reorder tone.
 */
export async function onSccpCall(
  router: CallRouter,
  caller: SccpEndpoint,
  m: SccpCallMessage,
): Promise<void> {
  try {
    await sccpCallMessage(router, caller, m);
  } catch (e) {
    // Bad input (or a bad far end) ends that call attempt, never the node.
    router.log('ccm', `CallControl: call from ${caller.device} failed: ${(e as Error).message}`, 'warning');
    try {
      caller.send({ type: 'StartTone', tone: SccpTone.Reorder, lineInstance: 1, callReference: 0 });
    } catch {
      // the phone's connection is gone
    }
  }
}

async function sccpCallMessage(router: CallRouter, caller: SccpEndpoint, m: SccpCallMessage): Promise<void> {
  if (caller.deliver(m)) return;
  if (m.type === 'OffHook') {
    caller.dialled = '';
    caller.send({ type: 'CallState', state: SccpCallState.OffHook, lineInstance: 1, callReference: 0 });
    return;
  }
  if (m.type !== 'KeypadButton') return;
  const soFar = caller.dialled;
  if (soFar === null) return;
  const digit = m.button <= 9 ? String(m.button) : m.button === 10 ? '*' : m.button === 11 ? '#' : '';
  const digits = soFar + digit;
  caller.dialled = digits;
  const lines = router.lines();
  if (!lines.includes(digits) && lines.some((l) => l.startsWith(digits))) return;
  caller.dialled = null;
  let id = 0;
  const r = await router.place(caller, digits, (security, callId) => {
    id = callId;
    return caller.openReceive(callId, keepsSrtpKeys(security));
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
