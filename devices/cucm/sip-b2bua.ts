/**
 * CUCM as a back-to-back user agent toward SIP phones, on their registration TLS/TCP connections
 * (registration.ts). The calling phone's INVITE is answered by CUCM itself (100 Trying, then the
 * called side's answer as CUCM's own 200 OK, with `Call-Info: <urn:x-cisco-remotecc:callinfo>;
 * security=...;orientation=from`); toward a called SIP phone CUCM starts a new dialog (its own
 * INVITE, `orientation=to`) and acknowledges the final answer itself (RFC 3261 §13.2.2.4, as a B2BUA).
 *
 * Lab simplifications (labelled): the called phone answers at once (auto-answer); calls are not torn
 * down (no BYE flow after the media burst); the dialled string may be a directory number or (like URI
 * dialling) a device name. A called phone that does not answer within SETUP_TIMEOUT_MS is CANCELled
 * (408); an answer whose SDP is unusable is refused with 488 (failure wording approximated).
 */
import { randomBytes } from 'node:crypto';
import { parseAudioSdp } from '../protocols/sdp.ts';
import {
  buildResponse,
  header,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../protocols/sip.ts';
import {
  type Answer,
  type CallOffer,
  type CallRouter,
  Endpoint,
  fromSdp,
  SETUP_TIMEOUT_MS,
  sdpOf,
} from './call-endpoint.ts';
import { keepsSrtpKeys } from './call-security.ts';

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

  /** The CUCM node this registration is on (its name is the host part of CUCM's own URIs). */
  get node(): string {
    return this.io.node;
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
        encrypted: keepsSrtpKeys(o.security),
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
  override established(id: number): void {
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

/** A SIP INVITE from a registered phone on its registration connection. Never rejects. */
export async function onInvite(
  router: CallRouter,
  caller: SipEndpoint,
  m: SipRequest,
  send: (r: SipMessage) => void,
  server: string,
): Promise<void> {
  try {
    await invite(router, caller, m, send, server);
  } catch (e) {
    // Bad input from a phone ends that call attempt, never the node.
    router.log(
      'ccm',
      `CallControl: cannot handle INVITE from ${caller.device}: ${(e as Error).message}`,
      'warning',
    );
    send(buildResponse(m, 500, 'Server Internal Error', [['Server', server]], { toTag: 'uclab' }));
  }
}

async function invite(
  router: CallRouter,
  caller: SipEndpoint,
  m: SipRequest,
  send: (r: SipMessage) => void,
  server: string,
): Promise<void> {
  send(buildResponse(m, 100, 'Trying', [['Server', server]]));
  const dialled = /^sips?:([^@;>]+)/.exec(m.uri)?.[1] ?? '';
  const r = await router.place(caller, dialled, async (security) =>
    fromSdp(parseAudioSdp(m.body.toString('utf8')), keepsSrtpKeys(security)),
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
          ['Contact', `<sip:${r.called.dn}@${caller.node}>`],
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
