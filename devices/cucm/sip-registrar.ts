/**
 * The SIP registrar of CallManager on one node: SIP on TCP 5060 and SIP/TLS on 5061 (docs/reference/sccp-sip.md §2). A phone REGISTERs with its device name in the Contact's `+u.sip!devicename.ccm.cisco.com`
 * parameter and is answered 200 OK (`Expires: 120`) or 403 Forbidden with a Warning giving the reason
 * (Security Mode Mismatch, Device Name Mismatch, Unknown Device); `Expires: 0` unregisters. Calls on
 * the registration connection go to call control (sip-b2bua.ts). OPTIONS is answered 200 with the
 * methods CUCM allows; BYE and CANCEL 200; other methods 501 (trunk call routing is not modelled). A
 * reset is a NOTIFY with `Event: service-control` and `action=restart`, the CUCM mechanism for SIP
 * phones.
 */

import type { Connection, TlsConnection } from '../../emulator/fabric.ts';
import { endAfterAnswer } from '../../emulator/net/limits.ts';
import type { ByteStream } from '../../emulator/net/types.ts';
import { ownString } from '../../emulator/owned-bytes.ts';
import { sipMessageEvent } from '../protocols/events.ts';
import {
  buildForbidden,
  buildRegisterOk,
  buildResponse,
  encodeSip,
  header,
  headerParam,
  SipFramer,
  type SipMessage,
  type SipRequest,
} from '../protocols/sip.ts';
import { admitCsf, csfDeviceOf, csfSecurityMode } from './csf-admission.ts';
import type { Registered } from './registered-phones.ts';
import type { Signalling } from './signalling-context.ts';
import { SipEndpoint } from './sip-b2bua.ts';
import { securityModeOf } from './trust-files.ts';

/** Serves one SIP connection (5060, or 5061 once the TLS policy accepted the peer's certificate). */
export function serveSip(
  sig: Signalling,
  c: Connection,
  transport: 'tcp' | 'tls',
  tls: TlsConnection | null,
): void {
  const socket: ByteStream = c.socket;
  sig.trace.accepted(c);
  const framer = new SipFramer();
  const bound = new Set<string>();
  // A message that does not frame or cannot be handled ends the connection after the answers to the
  // messages before it (endAfterAnswer: destroy would drop them while still queued).
  socket.on('data', (chunk: Buffer) => {
    for (const r of framer.push(chunk)) {
      if (!r.ok) {
        sig.h.log(
          'ccm',
          `SIPTcp - invalid SIP message from ${c.remote.address}: ${r.error.message}`,
          'warning',
        );
        endAfterAnswer(socket);
        return;
      }
      sig.h.fabric.timeline.emit(sig.h.name, 'sip.message', sipMessageEvent(c.id, 'received', r.value));
      try {
        onSip(sig, r.value, c, transport, tls, bound);
      } catch (e) {
        sig.h.log(
          'ccm',
          `SIPTcp - cannot handle SIP message from ${c.remote.address}: ${(e as Error).message}`,
          'warning',
        );
        endAfterAnswer(socket);
        return;
      }
    }
  });
  socket.on('close', () => {
    for (const d of bound) {
      if (sig.phones.on(d, socket)) {
        sig.phones.unbind(d);
        sig.h.unregistered({ deviceName: d, protocol: 'SIP', reason: 'connection closed' });
      }
    }
  });
}

function onSip(
  sig: Signalling,
  m: SipMessage,
  c: Connection,
  transport: 'tcp' | 'tls',
  tls: TlsConnection | null,
  bound: Set<string>,
): void {
  const socket: ByteStream = c.socket;
  const send = (msg: SipMessage) => {
    if (!socket.destroyed) socket.write(encodeSip(msg));
    sig.h.fabric.timeline.emit(sig.h.name, 'sip.message', sipMessageEvent(c.id, 'sent', msg));
  };
  const server = sig.h.release.sipServer;
  // Calls on the registration connection (sip-b2bua.ts): INVITE from this phone, answers to the
  // INVITEs CUCM sent it. Other answers are to our NOTIFYs.
  const own = [...bound].map((d) => sig.phones.get(d)).find((r) => r?.socket === socket);
  const endpoint = own?.endpoint instanceof SipEndpoint ? own.endpoint : null;
  if (m.kind === 'response') {
    endpoint?.onResponse(m);
    return;
  }
  // An INVITE on a connection with no registered phone (a SIP trunk peer) keeps the 501 below:
  // trunk call routing is not modelled.
  if (m.method === 'INVITE' && endpoint) {
    void sig.calls.onInvite(endpoint, m, send, server);
    return;
  }
  if (m.method === 'BYE' || m.method === 'CANCEL') {
    send(buildResponse(m, 200, 'OK', [['Server', server]]));
    return;
  }
  if (m.method === 'OPTIONS') {
    send(
      buildResponse(
        m,
        200,
        'OK',
        [
          ['Server', server],
          ['Allow', 'INVITE, OPTIONS, INFO, BYE, CANCEL, ACK, PRACK, UPDATE, REFER, SUBSCRIBE, NOTIFY'],
          ['Content-Length', '0'],
        ],
        { toTag: 'uclab' },
      ),
    );
    return;
  }
  if (m.method !== 'REGISTER') {
    if (m.method !== 'ACK')
      send(buildResponse(m, 501, 'Not Implemented', [['Server', server]], { toTag: 'uclab' }));
    return;
  }
  const contact = header(m, 'contact') ?? '';
  const name = (headerParam(contact, '+u.sip!devicename.ccm.cisco.com') ?? '').toUpperCase();
  const phone = sig.h.cluster.phone(name);
  // A Jabber (CSF) device, over MRA forwarded by the Expressway-C (csf-admission.ts).
  const csf = phone ? null : csfDeviceOf(sig.h.cluster, name);
  const check = csf
    ? admitCsf(csf, transport, tls?.handshake.peerChain[0])
    : sig.policy.admit(name || '(no device name)', phone, transport, tls);
  if (!check.ok) {
    sig.h.log(
      'ccm',
      `SIPStationInit: ${name || 'unknown'} Registration rejected: ${check.reason}`,
      'warning',
    );
    sig.h.refused({ deviceName: name || null, protocol: 'SIP', transport, reason: check.reason });
    send(buildForbidden(m, { server, warning: { agent: sig.h.name, text: check.text } }));
    return;
  }
  const expires = Number(header(m, 'expires') ?? '3600');
  if (expires === 0) {
    send(buildRegisterOk(m, { server, expires: 0, newRegistration: false }));
    if (sig.phones.on(name, socket)) {
      sig.phones.unbind(name);
      bound.delete(name);
      sig.h.unregistered({ deviceName: name, protocol: 'SIP', reason: 'REGISTER Expires: 0' });
    }
    return;
  }
  const isNew = !bound.has(name);
  const mode = phone ? securityModeOf(phone) : csf ? csfSecurityMode(csf) : 1;
  if (isNew) sig.trace.stationLines(name, mode, tls);
  send(buildRegisterOk(m, { server, expires: 120, newRegistration: isNew }));
  bound.add(name);
  const prior = sig.phones.get(name);
  const dn = phone?.decl.line ?? /<sips?:([^@;>]+)/.exec(header(m, 'to') ?? '')?.[1] ?? name;
  sig.phones.bind({
    device: name,
    protocol: 'SIP',
    transport,
    socket,
    // Only what a reset needs is kept for the life of the registration, copied out of the message:
    // a header value is a slice of the whole REGISTER's text (1.2 KB a phone, measured), and its body
    // (the first REGISTER's bulk registration) a slice of Node's 8 KB buffer pool.
    register: { contact: ownString(header(m, 'contact')), callId: ownString(header(m, 'call-id')) },
    headerVersion: 0,
    endpoint:
      prior?.socket === socket
        ? prior.endpoint
        : new SipEndpoint(name, dn, mode, c.remote.address, {
            send,
            local: `${socket.localAddress}:${socket.localPort}`,
            transport: transport === 'tls' ? 'TLS' : 'TCP',
            node: sig.h.name,
          }),
  });
  if (isNew) {
    sig.h.registered({
      deviceName: name,
      protocol: 'SIP',
      transport,
      securityMode: mode,
      cipher: tls?.handshake.cipher ?? null,
      connId: c.id,
    });
  }
}

/**
 * NOTIFY `Event: service-control` with `action=restart` to a registered SIP phone, on its registration
 * connection, with the Call-ID of its REGISTER and the cluster's configuration version stamp.
 */
export function sipReset(r: Registered, nodeName: string, configVersion: number): void {
  const reg = r.register;
  if (!reg) return;
  const s = r.socket;
  const contact = (reg.contact ?? '').replace(/^.*?<([^>]+)>.*$/, '$1');
  const notify: SipRequest = {
    kind: 'request',
    method: 'NOTIFY',
    uri: contact || `sip:${r.device}@${s.remoteAddress}`,
    headers: [
      [
        'Via',
        `SIP/2.0/${r.transport === 'tls' ? 'TLS' : 'TCP'} ${s.localAddress}:${s.localPort};branch=z9hG4bK${Date.now().toString(16)}`,
      ],
      ['From', `<sip:${nodeName}>;tag=${Date.now().toString(16)}`],
      ['To', `<sip:${r.device}@${s.remoteAddress}>`],
      ['Call-ID', `${Date.now().toString(16)}@${nodeName}`],
      ['CSeq', '101 NOTIFY'],
      ['Max-Forwards', '70'],
      ['Event', 'service-control'],
      ['Subscription-State', 'active'],
      ['Content-Type', 'text/plain'],
    ],
    body: Buffer.from(
      `action=restart\r\nRegisterCallId={${reg.callId ?? ''}}\r\nConfigVersionStamp={${configVersion}}\r\n`,
    ),
  };
  s.write(encodeSip(notify));
}
