/**
 * Calls through CallManager, over the registration connection (devices/cucm/call-control.ts): SIP
 * phones send an INVITE to CUCM (SDP with `RTP/SAVP` + `a=crypto` when the phone is Encrypted), SCCP
 * phones go OffHook and press one KeypadButton per digit. CUCM decides the call security from both
 * devices (seed 002) and tells this phone (SIP `Call-Info ...;security=`, SCCP CallInfo
 * `callSecurityStatus`); the phone shows that icon and sends a short burst of G.711 RTP/SRTP to the far
 * end's media address (media.ts). What the screen shows is a `phone.call` event, what the phone
 * received a `phone.media` event. A call is a set-up and a media burst: no hold, transfer or hang-up.
 */
import { randomBytes } from 'node:crypto';
import {
  type SccpCallMessage,
  SccpCallSecurityStatus,
  SccpCallState,
  SccpTone,
  sccpCall,
} from '../protocols/sccp-call.ts';
import { buildAudioSdp, parseAudioSdp } from '../protocols/sdp.ts';
import { buildResponse, encodeSip, header, type SipMessage, type SipRequest } from '../protocols/sip.ts';
import type { PhoneContext } from './context.ts';
import type { CallIcon, SecurityLevel } from './events.ts';
import {
  inlineKey,
  type MediaPlan,
  type MediaReport,
  MediaStream,
  mediaPlanProblem,
  newMasterKey,
  parseInlineKey,
  RTP_BASE_PORT,
  SRTP_SUITE,
  type SrtpMasterKey,
} from './media.ts';
import { SECURITY_NAMES } from './menus.ts';
import type { RegistrationConnection, StationHooks } from './registration-session.ts';
import { sccpSend } from './sccp-station.ts';

/** RTP payload of G.711 at 20 ms: 160 bytes; SRTP adds the 4-byte AES_CM_128_HMAC_SHA1_32 tag (seed 002). */
export const G711_RTP_PAYLOAD = 160;
export const G711_SRTP_PAYLOAD = 164;

/** How long a call may take to connect, outbound or inbound, before the phone gives up. */
const CALL_SETUP_MS = 8000;

export type ConnectedCall = { icon: CallIcon; media: 'RTP' | 'SRTP'; payloadBytes: number };
export type CallOutcome = ConnectedCall | { error: string };

/** The one call a phone is in. */
interface ActiveCall {
  peer: string;
  stream: MediaStream | null;
  /** SIP: the SRTP key this phone offered (it encrypts with it). */
  sendKey: SrtpMasterKey | null;
  /** CUCM's call security decision, as this phone shows it. */
  icon: CallIcon;
  callId: string | null;
  invite?: SipRequest;
  /** SIP callee: the media plan, started on CUCM's ACK. */
  plan?: MediaPlan;
  settle?: (r: CallOutcome) => void;
  /** Set-up timer: a call not connected in time ends in #failed. */
  timer?: NodeJS.Timeout;
  /** The call connected (media under way): ending it is not a failure. */
  connected?: boolean;
}

/** What calls need of the registration they run on. */
export interface CallLink {
  registration(): RegistrationConnection | null;
  /** Registered (over TLS when `secure`). */
  registered(): boolean;
  secure(): boolean;
}

function iconOf(m: SipMessage): CallIcon {
  const v = /security=\s*(\w+)/i.exec(header(m, 'call-info') ?? '')?.[1] ?? 'NotAuthenticated';
  return v === 'Encrypted' ? 'lock' : v === 'Authenticated' ? 'shield' : 'none';
}

export class Calls implements Omit<StationHooks, 'onReset'> {
  #call: ActiveCall | null = null;
  lastCall: (ConnectedCall & { peer: string }) | null = null;
  /** The last media report of this phone's last call (see `phone.media`). */
  lastMedia: (MediaReport & { peer: string }) | null = null;

  constructor(
    private readonly p: PhoneContext,
    private readonly link: CallLink,
  ) {}

  /** The security this phone's registration gives a call: its mode, if it registered over TLS. */
  get callSecurity(): SecurityLevel {
    if (!this.link.registered() || !this.link.secure() || !this.p.config) return 'non-secure';
    return SECURITY_NAMES[this.p.config.deviceSecurityMode] ?? 'non-secure';
  }

  /**
   * Dials `number`: resolves once the call is connected, or with the failure (SIP 4xx/5xx, SCCP reorder
   * tone). SIP phones may dial a device name (URI dialling); SCCP phones dial digits.
   */
  async dial(number: string): Promise<CallOutcome> {
    const p = this.p;
    const reg = this.link.registration();
    if (!this.link.registered() || !reg) return { error: `${p.name} is not registered` };
    if (this.#call) return { error: `${p.name} is already in a call` };
    const protocol = p.profile.protocol;
    if (protocol === 'SCCP' && !/^[0-9*#]+$/.test(number))
      return { error: `SCCP phones dial digits, not ${number}` };
    const call: ActiveCall = { peer: number, stream: null, sendKey: null, icon: 'none', callId: null };
    this.#call = call;
    const result = new Promise<CallOutcome>((resolve) => {
      call.settle = resolve;
    });
    this.#setupTimer(call, 'no answer from CallManager');
    p.console.line(`CALL: dialling ${number}`);
    if (protocol === 'SCCP') {
      sccpSend(p, reg, sccpCall({ type: 'OffHook', lineInstance: 1, callReference: 0 }));
      for (const ch of number) {
        const button = ch === '*' ? 10 : ch === '#' ? 11 : Number(ch);
        sccpSend(p, reg, sccpCall({ type: 'KeypadButton', button, lineInstance: 1, callReference: 0 }));
      }
      return result;
    }
    const stream = await this.#openMedia();
    if (!stream) {
      this.#failed(call, 'no RTP port');
      return { error: 'no RTP port' };
    }
    call.stream = stream;
    call.sendKey = this.callSecurity === 'encrypted' ? newMasterKey() : null;
    call.callId = `${p.mac.toLowerCase().slice(0, 8)}-${randomBytes(6).toString('hex')}@${p.address}`;
    const cucmHost = reg.server.replace(/:\d+$/, '');
    const dn = p.config?.sipProfile?.lines[0]?.name ?? p.line ?? p.deviceName;
    const local = `${reg.socket.localAddress ?? p.address}:${reg.socket.localPort ?? 5060}`;
    const transport = reg.secure ? 'TLS' : 'TCP';
    const invite: SipRequest = {
      kind: 'request',
      method: 'INVITE',
      uri: `sip:${number}@${cucmHost}`,
      headers: [
        ['Via', `SIP/2.0/${transport} ${local};branch=z9hG4bK${randomBytes(4).toString('hex')}`],
        [
          'From',
          `"${p.deviceName}" <sip:${dn}@${cucmHost}>;tag=${p.mac.toLowerCase()}-${randomBytes(2).toString('hex')}`,
        ],
        ['To', `<sip:${number}@${cucmHost}>`],
        ['Call-ID', call.callId],
        ['CSeq', '101 INVITE'],
        ['Max-Forwards', '70'],
        ['Contact', `<sip:${dn}@${local};transport=${transport.toLowerCase()}>`],
        ['Content-Type', 'application/sdp'],
      ],
      body: Buffer.from(
        buildAudioSdp({
          address: p.address,
          port: stream.port,
          profile: call.sendKey ? 'RTP/SAVP' : 'RTP/AVP',
          crypto: call.sendKey ? { suite: SRTP_SUITE, inline: inlineKey(call.sendKey) } : null,
        }),
      ),
    };
    call.invite = invite;
    if (!reg.socket.destroyed) reg.socket.write(encodeSip(invite));
    return result;
  }

  async #openMedia(): Promise<MediaStream | null> {
    for (const port of [RTP_BASE_PORT, 0]) {
      try {
        return new MediaStream(await this.p.fabric.bindUdp(this.p.name, port));
      } catch {
        // 16384 taken (another call of this phone's address): an ephemeral port.
      }
    }
    return null;
  }

  #setupTimer(call: ActiveCall, why: string): void {
    call.timer = setTimeout(() => this.#failed(call, why), CALL_SETUP_MS);
    call.timer.unref();
  }

  /**
   * Ends the call this phone is in (lab stopped, registration lost, CallManager released it): one not
   * yet connected fails (its `dial()` settles with the reason), a connected one stops its media.
   */
  end(why: string): void {
    const call = this.#call;
    if (!call) return;
    if (!call.connected) {
      this.#failed(call, why);
      return;
    }
    this.#call = null;
    if (call.timer) clearTimeout(call.timer);
    call.stream?.close();
    this.p.console.line(`CALL: call with ${call.peer} ended: ${why}`);
  }

  /** Why this phone refuses a media plan, or null: media goes only to hosts of the lab (fabric host table). */
  #mediaProblem(plan: MediaPlan): string | null {
    const problem = mediaPlanProblem(plan);
    if (problem) return problem;
    if (this.p.fabric.hostAt(plan.remote.address) === null)
      return `media address ${plan.remote.address} is not a lab host`;
    return null;
  }

  #failed(call: ActiveCall, why: string): void {
    if (this.#call !== call) {
      // Not the current call any more (stop() or a new call took over): still settle its caller.
      if (!call.connected) call.settle?.({ error: why });
      return;
    }
    this.#call = null;
    if (call.timer) clearTimeout(call.timer);
    call.stream?.close();
    this.p.console.line(`CALL: call to ${call.peer} failed: ${why}`, 'WRN');
    this.p.emit('phone.call', {
      peer: call.peer,
      icon: 'none',
      media: 'RTP',
      payloadBytes: 0,
      state: 'failed',
      reason: why,
    });
    call.settle?.({ error: why });
  }

  /** The call is up: show CUCM's icon, and send/receive the media burst. */
  #connected(call: ActiveCall, plan: MediaPlan): void {
    const problem = this.#mediaProblem(plan);
    if (problem) {
      this.#failed(call, `media refused: ${problem}`);
      return;
    }
    call.connected = true;
    if (call.timer) clearTimeout(call.timer);
    const icon = call.icon;
    const media: 'RTP' | 'SRTP' = plan.sendKey && plan.recvKey ? 'SRTP' : 'RTP';
    const payloadBytes = media === 'SRTP' ? G711_SRTP_PAYLOAD : G711_RTP_PAYLOAD;
    const peer = call.peer;
    this.lastCall = { peer, icon, media, payloadBytes };
    const word = icon === 'lock' ? 'Encrypted' : icon === 'shield' ? 'Authenticated' : 'Not Authenticated';
    this.p.console.line(
      `CALL: connected with ${peer}, call security ${word}, icon ${icon}, ${media} G.711u 20 ms payload ${payloadBytes} bytes`,
    );
    this.p.emit('phone.call', { peer, icon, media, payloadBytes, state: 'connected', reason: null });
    call.settle?.({ icon, media, payloadBytes });
    const stream = call.stream;
    if (!stream) return;
    void stream.start(plan).then((report) => {
      if (this.#call === call) this.#call = null;
      this.lastMedia = { peer, ...report };
      this.p.console.line(
        `CALL: media from ${report.remote}: ${report.received} ${report.media} packets received, payload ${report.payloadBytes.join('/') || '-'} bytes`,
      );
      this.p.emit('phone.media', { peer, ...report });
    });
  }

  /** SIP: CUCM's final answer to this phone's INVITE. */
  sipInviteResponse(m: SipMessage, send: (m: SipMessage) => void): void {
    const call = this.#call;
    if (m.kind !== 'response' || m.status < 200 || !call || header(m, 'call-id') !== call.callId) return;
    if (call.invite) {
      send({
        kind: 'request',
        method: 'ACK',
        uri: call.invite.uri,
        headers: [
          ...call.invite.headers.filter(([n]) => /^(via|from|call-id)$/i.test(n)),
          ['To', header(m, 'to') ?? ''],
          ['CSeq', '101 ACK'],
        ],
        body: Buffer.alloc(0),
      });
    }
    if (m.status !== 200) {
      this.#failed(call, `${m.status} ${m.reason}`);
      return;
    }
    const sdp = parseAudioSdp(m.body.toString('utf8'));
    if (!sdp) {
      this.#failed(call, 'no SDP in the answer');
      return;
    }
    call.icon = iconOf(m);
    const recvKey = sdp.crypto ? parseInlineKey(sdp.crypto.inline) : null;
    if (sdp.crypto && call.sendKey && !recvKey) {
      this.#failed(call, 'media refused: the answer SRTP key is not a 30-byte master key and salt');
      return;
    }
    this.#connected(call, {
      remote: { address: sdp.address, port: sdp.port },
      sendKey: recvKey ? call.sendKey : null,
      recvKey: call.sendKey ? recvKey : null,
    });
  }

  /** SIP: CUCM offers a call on the registration connection. The lab phone answers at once. */
  async sipInvite(m: SipRequest, send: (m: SipMessage) => void): Promise<void> {
    const p = this.p;
    const offer = parseAudioSdp(m.body.toString('utf8'));
    const offerKey = offer?.crypto ? parseInlineKey(offer.crypto.inline) : null;
    const refused =
      !offer ||
      (offer.crypto && !offerKey && this.callSecurity === 'encrypted') ||
      this.#mediaProblem({
        remote: { address: offer.address, port: offer.port },
        sendKey: null,
        recvKey: null,
      });
    if (this.#call || refused) {
      if (refused && !this.#call)
        p.console.line(
          `CALL: offer refused: ${typeof refused === 'string' ? refused : 'unusable SDP'}`,
          'WRN',
        );
      send(buildResponse(m, this.#call ? 486 : 488, this.#call ? 'Busy Here' : 'Not Acceptable Here'));
      return;
    }
    const call: ActiveCall = { peer: '', stream: null, sendKey: null, icon: iconOf(m), callId: null };
    this.#call = call;
    this.#setupTimer(call, 'call setup timed out');
    const from = header(m, 'from') ?? '';
    call.peer = /"([^"]+)"/.exec(from)?.[1] ?? /<sips?:([^@;>]+)/.exec(from)?.[1] ?? 'unknown';
    call.callId = header(m, 'call-id') ?? null;
    const stream = await this.#openMedia();
    if (!stream) {
      this.#failed(call, 'no RTP port');
      send(buildResponse(m, 500, 'Server Internal Error'));
      return;
    }
    if (this.#call !== call) {
      // Ended (lab stopped, CANCEL) while the port was being bound.
      stream.close();
      return;
    }
    call.stream = stream;
    const recvKey = offerKey;
    call.sendKey = recvKey && this.callSecurity === 'encrypted' ? newMasterKey() : null;
    call.plan = {
      remote: { address: offer.address, port: offer.port },
      sendKey: call.sendKey,
      recvKey: call.sendKey ? recvKey : null,
    };
    send(
      buildResponse(m, 200, 'OK', [['Content-Type', 'application/sdp']], {
        toTag: p.mac.toLowerCase().slice(0, 8),
        body: Buffer.from(
          buildAudioSdp({
            address: p.address,
            port: stream.port,
            profile: call.sendKey ? 'RTP/SAVP' : 'RTP/AVP',
            crypto: call.sendKey ? { suite: SRTP_SUITE, inline: inlineKey(call.sendKey) } : null,
          }),
        ),
      }),
    );
  }

  /** SIP: CUCM's ACK to this phone's 200 OK: the call is up. */
  sipAck(m: SipRequest): void {
    const call = this.#call;
    if (!call?.plan || header(m, 'call-id') !== call.callId) return;
    const plan = call.plan;
    call.plan = undefined;
    this.#connected(call, plan);
  }

  sipRelease(m: SipRequest): boolean {
    if (this.#call?.callId !== header(m, 'call-id')) return false;
    this.end(m.method === 'BYE' ? 'call released by CallManager (BYE)' : 'call cancelled by CallManager');
    return true;
  }

  /** SCCP: CallManager drives the call (devices/protocols/sccp.ts call messages). */
  async sccpCall(reg: RegistrationConnection, m: SccpCallMessage): Promise<void> {
    const p = this.p;
    switch (m.type) {
      case 'CallState':
        if (m.state === SccpCallState.OnHook && this.#call) {
          this.end('on hook by CallManager');
          return;
        }
        if (m.state === SccpCallState.RingIn && !this.#call) {
          const call: ActiveCall = { peer: '', stream: null, sendKey: null, icon: 'none', callId: null };
          this.#call = call;
          this.#setupTimer(call, 'call setup timed out');
          // Auto-answer (lab): the phone goes off hook at once.
          sccpSend(p, reg, sccpCall({ type: 'OffHook', lineInstance: 1, callReference: m.callReference }));
        }
        return;
      case 'CallInfo': {
        const call = this.#call;
        if (!call) return;
        call.peer = m.callType === 1 ? m.callingPartyName || m.callingParty : call.peer || m.calledParty;
        const s = m.callSecurityStatus;
        call.icon =
          s === SccpCallSecurityStatus.Encrypted
            ? 'lock'
            : s === SccpCallSecurityStatus.Authenticated
              ? 'shield'
              : 'none';
        return;
      }
      case 'OpenReceiveChannel': {
        const call = this.#call;
        let stream = call ? (call.stream ?? (await this.#openMedia())) : null;
        if (call && stream && this.#call !== call) {
          // Ended while the port was being bound.
          stream.close();
          stream = null;
        }
        if (call && stream) call.stream = stream;
        sccpSend(
          p,
          reg,
          sccpCall({
            type: 'OpenReceiveChannelAck',
            status: stream ? 0 : 1,
            ip: p.address,
            port: stream?.port ?? 0,
            passThruPartyId: m.passThruPartyId,
            callReference: m.callReference,
          }),
        );
        return;
      }
      case 'StartMediaTransmission': {
        const call = this.#call;
        if (!call) return;
        // The key block is as long as CallManager says; a short key or salt is refused before connecting.
        const key = (k: typeof m.sendKey) => (k ? { key: k.key, salt: k.salt.subarray(0, 14) } : null);
        const sendKey = key(m.sendKey);
        const recvKey = key(m.recvKey);
        this.#connected(call, {
          remote: { address: m.remoteIp, port: m.remotePort },
          sendKey: sendKey && recvKey ? sendKey : null,
          recvKey: sendKey && recvKey ? recvKey : null,
        });
        return;
      }
      case 'StartTone':
        if (m.tone === SccpTone.Reorder && this.#call) this.#failed(this.#call, 'reorder tone');
        return;
      default:
        return;
    }
  }
}
