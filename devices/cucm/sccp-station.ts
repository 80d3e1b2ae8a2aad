/**
 * The SCCP station side of CallManager on one node: SCCP on TCP 2000 and SCCP/TLS on 2443
 * (docs/reference/sccp-sip.md §1; message layouts in devices/protocols/sccp.ts). A phone registers (Register →
 * RegisterAck + CapabilitiesReq, or RegisterReject with the reason's text), keeps alive, unregisters,
 * and places and answers calls on the same connection (sccp-call-flow.ts). A reset is the SCCP
 * `Reset` message (restart).
 *
 * A message that does not frame, or frames but cannot be handled, ends that connection, never the
 * node (and is logged with the sender's address).
 */
import type { Connection, TlsConnection } from '../../emulator/fabric.ts';
import { endAfterAnswer } from '../../emulator/net/limits.ts';
import type { ByteStream } from '../../emulator/net/types.ts';
import { sccpMessageEvent } from '../protocols/events.ts';
import {
  encodeSccp,
  headerVersionFor,
  type SccpFrame,
  SccpResetType,
  sccpFramer,
} from '../protocols/sccp.ts';
import { readSccpCall } from '../protocols/sccp-call.ts';
import type { Registered } from './registered-phones.ts';
import { SccpEndpoint } from './sccp-call-flow.ts';
import type { Signalling } from './signalling-context.ts';
import { securityModeOf } from './trust-files.ts';

interface Station {
  send: (m: Parameters<typeof encodeSccp>[0]) => void;
  reject: (text: string, reason: string, name: string | null) => void;
  device: string | null;
  setHeaderVersion(v: number): void;
}

/** Serves one SCCP connection (2000, or 2443 once the TLS policy accepted the phone's certificate). */
export function serveSccp(
  sig: Signalling,
  c: Connection,
  transport: 'tcp' | 'tls',
  tls: TlsConnection | null,
): void {
  const socket: ByteStream = c.socket;
  sig.trace.accepted(c);
  const framer = sccpFramer();
  let device: string | null = null;
  let headerVersion = 0;
  const send = (m: Parameters<typeof encodeSccp>[0]) => {
    if (!socket.destroyed) socket.write(encodeSccp(m, headerVersion));
    sig.h.fabric.timeline.emit(sig.h.name, 'sccp.message', sccpMessageEvent(c.id, 'sent', m));
  };
  const reject = (text: string, reason: string, name: string | null) => {
    sig.h.log('ccm', `StationInit: ${name ?? 'unknown'} Registration rejected: ${reason}`, 'warning');
    sig.h.refused({ deviceName: name, protocol: 'SCCP', transport, reason });
    send({ type: 'RegisterReject', text });
    socket.end();
  };
  const station: Station = {
    send,
    reject,
    get device() {
      return device;
    },
    set device(d) {
      device = d;
    },
    setHeaderVersion(v: number) {
      headerVersion = v;
    },
  };
  // A message that does not frame or cannot be handled ends the connection after the answers to the
  // messages before it (endAfterAnswer: destroy would drop them while still queued).
  socket.on('data', (chunk: Buffer) => {
    for (const r of framer.push(chunk)) {
      if (!r.ok) {
        sig.h.log(
          'ccm',
          `StationInit: invalid SCCP message from ${c.remote.address}: ${r.error.message}`,
          'warning',
        );
        endAfterAnswer(socket);
        return;
      }
      sig.h.fabric.timeline.emit(
        sig.h.name,
        'sccp.message',
        sccpMessageEvent(c.id, 'received', r.value.message),
      );
      try {
        onSccp(sig, r.value, c, transport, tls, station);
      } catch (e) {
        // A message that frames but cannot be handled ends this connection, never the process.
        sig.h.log(
          'ccm',
          `StationInit: cannot handle SCCP message from ${c.remote.address}: ${(e as Error).message}`,
          'warning',
        );
        endAfterAnswer(socket);
        return;
      }
    }
  });
  socket.on('close', () => {
    if (device && sig.phones.on(device, socket)) {
      sig.phones.unbind(device);
      sig.h.unregistered({ deviceName: device, protocol: 'SCCP', reason: 'connection closed' });
    }
  });
}

function onSccp(
  sig: Signalling,
  f: SccpFrame,
  c: Connection,
  transport: 'tcp' | 'tls',
  tls: TlsConnection | null,
  s: Station,
): void {
  const socket: ByteStream = c.socket;
  const m = f.message;
  switch (m.type) {
    case 'Register': {
      const name = m.register.deviceName.toUpperCase();
      const protoVer = m.register.protocolVer ?? 0;
      s.setHeaderVersion(headerVersionFor(Math.min(protoVer, 22)));
      const phone = sig.h.cluster.phone(name);
      const check = sig.policy.admit(name, phone, transport, tls);
      if (!check.ok) {
        s.reject(check.text, check.reason, name);
        return;
      }
      s.device = name;
      const mode = phone ? securityModeOf(phone) : 1;
      sig.trace.stationLines(name, mode, tls);
      s.send({
        type: 'RegisterAck',
        ack: {
          keepAliveInterval: 30,
          dateTemplate: 'M/D/YA',
          secondaryKeepAliveInterval: 60,
          protocolVersion: Math.min(protoVer, 22),
        },
      });
      s.send({ type: 'CapabilitiesReq' });
      sig.phones.bind({
        device: name,
        protocol: 'SCCP',
        transport,
        socket,
        headerVersion: f.headerVersion,
        endpoint: new SccpEndpoint(name, phone?.decl.line ?? name, mode, c.remote.address, { send: s.send }),
      });
      sig.h.registered({
        deviceName: name,
        protocol: 'SCCP',
        transport,
        securityMode: mode,
        cipher: tls?.handshake.cipher ?? null,
        connId: c.id,
      });
      return;
    }
    case 'KeepAlive':
      s.send({ type: 'KeepAliveAck' });
      return;
    case 'Unregister': {
      s.send({ type: 'UnregisterAck', status: 0 });
      const d = s.device;
      if (d && sig.phones.on(d, socket)) {
        sig.phones.unbind(d);
        sig.h.unregistered({ deviceName: d, protocol: 'SCCP', reason: 'Unregister' });
      }
      socket.end();
      return;
    }
    default: {
      // Call messages (OffHook, KeypadButton, OpenReceiveChannelAck): call control (call-control.ts).
      const call = readSccpCall(m);
      const r = s.device ? sig.phones.get(s.device) : undefined;
      if (call && r?.socket === socket && r.endpoint instanceof SccpEndpoint) {
        void sig.calls.onSccp(r.endpoint, call); // never rejects: failures are the reorder tone
      }
      return; // CapabilitiesRes, ButtonTemplateReq, ...: accepted silently (not modelled further).
    }
  }
}

/** SCCP `Reset` (restart) to a registered phone. */
export function sccpReset(r: Registered): void {
  r.socket.write(encodeSccp({ type: 'Reset', resetType: SccpResetType.RESTART }, r.headerVersion));
}
