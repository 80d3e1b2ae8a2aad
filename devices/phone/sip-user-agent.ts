/**
 * The phone as a SIP user agent (devices/protocols/sip.ts): REGISTER for its line with the Cisco
 * headers (model, firmware, load), refreshed before it expires (the refresh is the keepalive); calls
 * (INVITE, its answer, ACK, BYE/CANCEL) go to calls.ts; NOTIFY check-sync / service-control is a reset.
 */
import type { PhoneConfig } from '../../certs/phone-config.ts';
import { sipMessageEvent } from '../protocols/events.ts';
import {
  buildRegister,
  buildResponse,
  encodeSip,
  header,
  SipFramer,
  type SipMessage,
  type SipRequest,
} from '../protocols/sip.ts';
import {
  type ProtocolOutcome,
  type RegistrationSession,
  registerOver,
  startKeepAlive,
} from './registration-session.ts';

export function sipRegister(
  s: RegistrationSession,
  cfg: PhoneConfig,
  cucmHost: string,
): Promise<ProtocolOutcome> {
  const { p, reg, hooks } = s;
  const line = cfg.sipProfile?.lines[0];
  const dn = line?.name ?? p.line ?? '1000';
  const local = { address: reg.socket.localAddress ?? p.address, port: reg.socket.localPort ?? 5060 };
  const ver = /(\d+)-(\d+)-(\d+)/.exec(p.profile.loadName);
  const phone = {
    mac: p.mac,
    model: p.model,
    modelEnum: p.profile.sipModelEnum?.[p.model] ?? 0,
    firmware: ver ? `${ver[1]}.${ver[2]}.${ver[3]}` : p.profile.loadName,
    activeLoad: `${p.profile.loadName}.loads`,
    inactiveLoad: `${p.profile.loadName}.loads`,
  };
  let cseq = 101;
  const send = (m: SipMessage) => {
    if (!reg.socket.destroyed) reg.socket.write(encodeSip(m));
    p.emit('sip.message', sipMessageEvent(reg.connId, 'sent', m));
  };
  const registerReq = (first: boolean): SipRequest =>
    buildRegister({
      phone,
      phoneIp: local.address,
      phonePort: local.port,
      cucmHost,
      dn,
      lineContact: line?.contact || dn,
      transport: reg.secure ? 'TLS' : 'TCP',
      cseq: cseq++,
      first,
      lastReason: 'reset-restart',
    });
  return registerOver(s, {
    protocol: 'SIP',
    framer: new SipFramer(),
    noAnswer: 'no answer to REGISTER',
    closedEarly: 'connection closed before 200 OK',
    // Methods, not arrow functions: a method costs no name dictionary under tsx (phone.ts, its hooks).
    onMessage(m, settle) {
      p.emit('sip.message', sipMessageEvent(reg.connId, 'received', m));
      if (m.kind === 'response') {
        if (/INVITE/.test(header(m, 'cseq') ?? '')) {
          hooks.sipInviteResponse(m, send);
          return;
        }
        if (!/REGISTER/.test(header(m, 'cseq') ?? '')) return;
        if (m.status === 200) {
          reg.unanswered = 0;
          const expires = Number(header(m, 'expires') ?? '120') || 120;
          const secs = Math.max(0.05, Math.min(expires, p.timers.keepAliveSeconds ?? expires));
          if (!reg.keepAlive) startKeepAlive(p, reg, secs, () => send(registerReq(false)));
          p.console.line(`SIP: REGISTER 200 OK, expires ${expires}`);
          settle('registered', `${reg.transport} to ${reg.server}`);
        } else if (m.status >= 300) {
          const warning = header(m, 'warning');
          p.console.line(`SIP: REGISTER ${m.status} ${m.reason}${warning ? ` (${warning})` : ''}`, 'ERR');
          settle('rejected', `${m.status} ${m.reason}`);
        }
      } else if (m.method === 'INVITE') {
        // A call CUCM offers (call-control.ts).
        hooks.sipInvite(m, send).catch((e: Error) => p.console.line(`CALL: ${e.message}`, 'ERR'));
      } else if (m.method === 'ACK') {
        hooks.sipAck(m);
      } else {
        // Requests from CUCM on the registration connection: NOTIFY check-sync / service-control = reset.
        send(buildResponse(m, 200, 'OK'));
        if ((m.method === 'BYE' || m.method === 'CANCEL') && hooks.sipRelease(m)) return;
        const event = (header(m, 'event') ?? '').toLowerCase();
        const body = m.body.toString('utf8');
        if (m.method === 'NOTIFY' && (event.includes('check-sync') || event.includes('service-control'))) {
          hooks.onReset(/restart/i.test(body) ? 'restart' : 'reset');
        }
      }
    },
    start() {
      send(registerReq(true));
    },
  });
}
