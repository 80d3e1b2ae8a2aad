/**
 * The wire exchanges every device has in common, as timeline events (merged into the lab's EventMap,
 * emulator/events.ts): a TFTP transfer, an SCCP or SIP message, an HTTP request answered. The ladder of
 * the trainer's page draws one row for each (emulator/ui/model/wire-rows.ts).
 *
 * Fleets of ten thousand phones send these by the million, so a payload holds a message's name and its
 * few key fields only, never its bytes, and building one costs a property read or two (no re-decoding).
 */
import type { Endpoint, EventMap } from '../../emulator/events.ts';
import type { SccpMessage } from './sccp.ts';
import { SccpCallMessageId } from './sccp-call.ts';
import { header, type SipMessage } from './sip.ts';
import type { TftpGetError, TftpGetResult } from './tftp/client.ts';
import type { TftpEvent } from './tftp/events.ts';

/** `sent`: this device wrote the message; `received`: this device read it off the connection. */
export type WireDirection = 'sent' | 'received';

declare module '../../emulator/events.ts' {
  interface EventMap {
    /**
     * One TFTP read transfer as one end saw it when it ended: the server (`role: 'server'`, `peer` is
     * the client's transfer port) or the phone's client (`peer` is the server it asked).
     */
    'tftp.transfer': {
      role: 'server' | 'client';
      file: string;
      peer: Endpoint;
      outcome: 'complete' | 'error';
      /** Bytes and DATA blocks transferred (null when the transfer failed). */
      bytes: number | null;
      blocks: number | null;
      /** The TFTP error code (RFC 1350 §5; null for a timeout) and its message, when it failed. */
      error: { code: number | null; message: string } | null;
    };
    /** One SCCP message (devices/protocols/sccp.ts) written or read on a connection. */
    'sccp.message': {
      connId: string;
      direction: WireDirection;
      /** The message name: `Register`, `RegisterAck`, `KeepAlive`, `OffHook`, `Other 0x0123`. */
      message: string;
      /** Its key field in one short string (device name, reject text, keepalive). */
      detail: string | null;
    };
    /** One SIP message (devices/protocols/sip.ts) written or read on a connection. */
    'sip.message': {
      connId: string;
      direction: WireDirection;
      /** `REGISTER`, `INVITE`, ... for a request; the status code as text (`200`, `401`) for a response. */
      message: string;
      /** The request's method, or the method its CSeq names for a response. */
      method: string;
      status: number | null;
      reason: string | null;
      callId: string | null;
      cseq: string | null;
    };
    /** One HTTP request a device answered (CUCM Tomcat 8443/6972, TFTP 6970, Expressway traffic server). */
    'http.request': {
      /** The connection it came on; null when the server cannot tell. */
      connId: string | null;
      /** `tomcat`, `tftp-http`, `traffic_server`. */
      service: string;
      method: string;
      path: string;
      /** The Host header, when the request had one. */
      host: string | null;
      status: number;
      /** Body bytes of the answer (null when the server does not count them). */
      bytes: number | null;
      peer: Endpoint;
    };
  }
}

const SCCP_CALL_NAMES = new Map<number, string>(
  Object.entries(SccpCallMessageId).map(([name, id]) => [id, name]),
);

/** The name and key field of an SCCP message, as `sccp.message` carries them. */
export function sccpMessageEvent(
  connId: string,
  direction: WireDirection,
  m: SccpMessage,
): { connId: string; direction: WireDirection; message: string; detail: string | null } {
  let message: string = m.type;
  let detail: string | null = null;
  switch (m.type) {
    case 'Register':
      detail = `${m.register.deviceName} protocol ${m.register.protocolVer ?? '?'}`;
      break;
    case 'RegisterAck':
      detail = `keepalive ${m.ack.keepAliveInterval}s`;
      break;
    case 'RegisterReject':
      detail = m.text;
      break;
    case 'Reset':
      detail = `type ${m.resetType}`;
      break;
    case 'UnregisterAck':
      detail = `status ${m.status}`;
      break;
    case 'Other': {
      // A call message (sccp-call.ts) by its name, read from the id alone: no second decode.
      message = SCCP_CALL_NAMES.get(m.messageId) ?? `Other 0x${m.messageId.toString(16).padStart(4, '0')}`;
      break;
    }
  }
  return { connId, direction, message, detail };
}

/** The name and key headers of a SIP message, as `sip.message` carries them. */
export function sipMessageEvent(connId: string, direction: WireDirection, m: SipMessage) {
  const cseq = header(m, 'cseq') ?? null;
  return {
    connId,
    direction,
    message: m.kind === 'request' ? m.method : String(m.status),
    method: m.kind === 'request' ? m.method : (cseq?.split(/\s+/)[1] ?? '?'),
    status: m.kind === 'response' ? m.status : null,
    reason: m.kind === 'response' ? m.reason : null,
    callId: header(m, 'call-id') ?? null,
    cseq,
  };
}

type TftpTransfer = EventMap['tftp.transfer'];

/** The server's `tftp.transfer` for the end of a transfer; null for the hook's other reports. */
export function tftpTransferEvent(e: TftpEvent): TftpTransfer | null {
  const peer = { address: e.peer.address, port: e.peer.port };
  if (e.type === 'transfer-complete')
    return {
      role: 'server',
      file: e.filename,
      peer,
      outcome: 'complete',
      bytes: e.bytes,
      blocks: e.blocks,
      error: null,
    };
  if (e.type === 'transfer-error' && e.filename !== undefined)
    return {
      role: 'server',
      file: e.filename,
      peer,
      outcome: 'error',
      bytes: null,
      blocks: null,
      error: { code: e.code, message: e.message },
    };
  return null;
}

/** The client's `tftp.transfer` for what `tftpGet` (tftp/client.ts) returned. */
export function tftpClientEvent(
  file: string,
  server: Endpoint,
  r: { ok: true; value: TftpGetResult } | { ok: false; error: TftpGetError },
): TftpTransfer {
  const peer = { address: server.address, port: server.port };
  return r.ok
    ? {
        role: 'client',
        file,
        peer,
        outcome: 'complete',
        bytes: r.value.data.length,
        blocks: r.value.blocks,
        error: null,
      }
    : {
        role: 'client',
        file,
        peer,
        outcome: 'error',
        bytes: null,
        blocks: null,
        error: { code: r.error.tftpCode ?? null, message: r.error.message },
      };
}

/** What `http.request` needs of a node:http request (structural: devices never see a Node socket type). */
export interface HttpRequestLike {
  method?: string | undefined;
  url?: string | undefined;
  headers: { host?: string | undefined };
  socket: { remoteAddress?: string | undefined; remotePort?: number | undefined };
}

/**
 * `http.request` for a node:http server's answer. The connection is left for the reader to find by
 * `peer` (the page matches it to the TLS connection of that client port).
 */
export function httpRequestEvent(
  service: string,
  req: HttpRequestLike,
  status: number,
  bytes: number | null,
): EventMap['http.request'] {
  const peer = { address: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0 };
  return {
    connId: null,
    service,
    method: req.method ?? '?',
    path: req.url ?? '/',
    host: req.headers.host ?? null,
    status,
    bytes,
    peer,
  };
}
