/**
 * The phone as an SCCP station (devices/protocols/sccp.ts): Register with the device name, MAC, IP,
 * device type and firmware load; RegisterAck sets the keepalive interval; CapabilitiesReq is answered
 * with G.711 u-law and a-law; Reset comes from CallManager; call messages go to calls.ts.
 */
import { sccpMessageEvent } from '../protocols/events.ts';
import { encodeSccp, headerVersionFor, SccpResetType, sccpFramer } from '../protocols/sccp.ts';
import { readSccpCall } from '../protocols/sccp-call.ts';
import type { PhoneContext } from './context.ts';
import {
  type ProtocolOutcome,
  type RegistrationConnection,
  type RegistrationSession,
  registerOver,
  startKeepAlive,
} from './registration-session.ts';

/** Sends one SCCP message in the header version of the firmware's protocol version. */
export function sccpSend(
  p: PhoneContext,
  reg: RegistrationConnection,
  m: Parameters<typeof encodeSccp>[0],
  protocolVer = p.profile.sccpProtocolVersion ?? 17,
): void {
  if (!reg.socket.destroyed) reg.socket.write(encodeSccp(m, headerVersionFor(protocolVer)));
  p.emit('sccp.message', sccpMessageEvent(reg.connId, 'sent', m));
}

export function sccpRegister(s: RegistrationSession): Promise<ProtocolOutcome> {
  const { p, reg, hooks } = s;
  const protocolVer = p.profile.sccpProtocolVersion ?? 17;
  const send = (m: Parameters<typeof encodeSccp>[0]) => sccpSend(p, reg, m, protocolVer);
  return registerOver(s, {
    protocol: 'SCCP',
    framer: sccpFramer(),
    noAnswer: 'no RegisterAck',
    closedEarly: 'connection closed before RegisterAck',
    // Methods, not arrow functions: a method costs no name dictionary under tsx (phone.ts, its hooks).
    onMessage({ message: m }, settle) {
      p.emit('sccp.message', sccpMessageEvent(reg.connId, 'received', m));
      switch (m.type) {
        case 'RegisterAck': {
          const secs = Math.max(
            0.05,
            Math.min(m.ack.keepAliveInterval || 30, p.timers.keepAliveSeconds ?? 30),
          );
          startKeepAlive(p, reg, secs, () => send({ type: 'KeepAlive' }));
          p.console.line(`SCCP: RegisterAck, keepalive ${m.ack.keepAliveInterval}s`);
          settle('registered', `${reg.transport} to ${reg.server}`);
          break;
        }
        case 'KeepAliveAck':
          reg.unanswered = 0;
          break;
        case 'RegisterReject':
          p.console.line(`SCCP: RegisterReject "${m.text}"`, 'ERR');
          settle('rejected', m.text);
          break;
        case 'CapabilitiesReq':
          // G.711 u-law (4) and a-law (2), 20 ms frames.
          send({
            type: 'CapabilitiesRes',
            capabilities: [
              { codec: 4, maxFramesPerPacket: 40 },
              { codec: 2, maxFramesPerPacket: 40 },
            ],
          });
          break;
        case 'Reset':
          hooks.onReset(
            m.resetType === SccpResetType.RESTART
              ? 'restart'
              : m.resetType === SccpResetType.APPLY_CONFIG
                ? 'apply-config'
                : 'reset',
          );
          break;
        default: {
          const call = readSccpCall(m);
          if (call)
            hooks.sccpCall(reg, call).catch((e: Error) => p.console.line(`CALL: ${e.message}`, 'ERR'));
          break;
        }
      }
    },
    start() {
      send({
        type: 'Register',
        register: {
          deviceName: p.deviceName,
          stationIpAddr: p.address.includes('.') ? p.address : '0.0.0.0',
          deviceType: p.profile.sccpDeviceType?.[p.model] ?? 0,
          maxStreams: 5,
          protocolVer,
          macAddress: p.mac,
          maxNumberOfLines: 1,
          firmwareLoadName: p.profile.loadName,
        },
      });
    },
  });
}
