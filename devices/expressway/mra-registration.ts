/**
 * The Expressway-C's side of an MRA client's SIP registration: REGISTERs relayed from the Expressway-E
 * (on the real pair they ride the traversal zone; here a fabric TCP connection to the C's SIP port) are
 * forwarded to the Unified CM node of their Request-URI, and CUCM's answers relayed back.
 *
 * The leg to CUCM follows the device's security (seed 003 lines 119-124, 507-509): TCP 5060 for a
 * non-secure device, TLS 5061 for an authenticated or encrypted one, where the Expressway-C presents
 * its own server certificate and CUCM takes it for the device only when it names the device's phone
 * security profile ("Unified CM phone security profile names", C only, in the SAN). The device's
 * Contact says which (`;transport=tls`, the lab's signal, M). The `tvcs` lines follow the structure of
 * seed 003's traffic log lines (M: no seed shows a proxied registration).
 */

import type { EventMap } from '../../emulator/events.ts';
import type { Fabric } from '../../emulator/fabric.ts';
import type { ByteStream } from '../../emulator/net/types.ts';
import {
  buildResponse,
  encodeSip,
  header,
  headerParam,
  SIP_TCP_PORT,
  SIP_TLS_PORT,
  SipFramer,
  type SipMessage,
  type SipRequest,
} from '../protocols/sip.ts';
import './events.ts';
import { utc } from './log-time.ts';
import type { ServerIdentity } from './pki.ts';

export interface MraRegistrationHost {
  fabric: Fabric;
  device: string;
  identity(): ServerIdentity | null;
  /** The trusted CA list (PEM), for the TLS leg to CUCM. */
  trust(): string[];
  /** The Unified CM nodes discovered, as CUCM advertises them. */
  nodes(): string[];
  log(text: string, level: 'info' | 'warning' | 'error'): void;
  registration(e: EventMap['expressway.mra-registration']): void;
}

function deviceNameOf(req: SipRequest): string {
  return (headerParam(header(req, 'contact') ?? '', '+u.sip!devicename.ccm.cisco.com') ?? '').toUpperCase();
}

function wantsTls(req: SipRequest): boolean {
  return /;\s*transport=tls/i.test(header(req, 'contact') ?? '');
}

function hostOf(uri: string): string {
  return /^sips?:(?:[^@]+@)?([^:;>]+)/i.exec(uri)?.[1] ?? '';
}

/** Serves one relayed client connection: the first REGISTER decides the leg to CUCM. */
export function serveMraSip(host: MraRegistrationHost, client: ByteStream): void {
  const framer = new SipFramer();
  let upstream: ByteStream | null = null;
  let pending: Promise<void> | null = null;
  let first: { req: SipRequest; node: string; port: number; protocol: 'TCP' | 'TLS'; device: string } | null =
    null;
  const answer = (req: SipRequest, status: number, reason: string) => {
    if (client.writable)
      client.write(encodeSip(buildResponse(req, status, reason, [['Server', 'TANDBERG/4352 (X14.2)']])));
  };
  const record = (status: number | null, reason: string, warning: string | null) => {
    if (!first) return;
    host.registration({
      deviceName: first.device,
      aor: header(first.req, 'to') ?? '',
      node: first.node,
      port: first.port,
      protocol: first.protocol,
      status,
      reason,
      warning,
    });
  };

  const fromCucm = (m: SipMessage) => {
    if (m.kind === 'response' && first) {
      const warning = header(m, 'warning') ?? null;
      host.log(
        `tvcs: Event="Response Received" Service="SIP" Src-ip="${first.node}" Src-port="${first.port}" Protocol="${first.protocol}" Method="REGISTER" Response-code="${m.status}"${warning ? ` Warning="${warning.replace(/"/g, "'")}"` : ''} UTCTime="${utc()}"`,
        m.status < 300 ? 'info' : 'warning',
      );
      if (header(m, 'cseq')?.endsWith('REGISTER')) record(m.status, m.reason, warning);
    }
    if (client.writable) client.write(encodeSip(m));
  };

  const open = async (req: SipRequest): Promise<void> => {
    const node = hostOf(req.uri);
    const tls = wantsTls(req);
    const device = deviceNameOf(req);
    const port = tls ? SIP_TLS_PORT : SIP_TCP_PORT;
    first = { req, node, port, protocol: tls ? 'TLS' : 'TCP', device };
    if (!host.nodes().some((n) => n.toLowerCase() === node.toLowerCase())) {
      host.log(
        `tvcs: Event="Request Rejected" Service="SIP" Method="REGISTER" Request-URI="${req.uri}" Detail="Not a discovered Unified CM node" UTCTime="${utc()}"`,
        'warning',
      );
      answer(req, 404, 'Not Found');
      record(404, 'Not Found', null);
      return;
    }
    const identity = host.identity();
    const conn = tls
      ? await host.fabric.connectTls(
          host.device,
          { host: node, port },
          {
            ...(identity ? { identity: { certPem: identity.certPem, keyPem: identity.keyPem } } : {}),
            trust: host.trust(),
            servername: node,
          },
          // The Unified CM zone's TLS verify mode is Off here (the discovery default of the lab).
          () => ({ accepted: true, reason: 'Unified CM zone: TLS verify mode Off' }),
        )
      : await host.fabric.connectTcp(host.device, { host: node, port });
    if (!conn.ok) {
      host.log(
        `tvcs: Event="Outbound ${tls ? 'TLS Negotiation Error' : 'TCP Connection Failed'}" Service="SIP" Dst-ip="${node}" Dst-port="${port}" Detail="${conn.error.alert ? `tlsv1 alert ${conn.error.alert.name.replace(/_/g, ' ')}` : 'connection failed'}" Protocol="${tls ? 'TLS' : 'TCP'}" UTCTime="${utc()}"`,
        'error',
      );
      answer(req, 503, 'Service Unavailable');
      record(503, 'Service Unavailable', null);
      return;
    }
    const up: ByteStream = conn.value.socket;
    upstream = up;
    const back = new SipFramer();
    up.on('data', (d: Buffer) => {
      for (const r of back.push(d)) if (r.ok) fromCucm(r.value);
    });
    up.on('error', () => {});
    up.on('close', () => client.destroy());
    host.log(
      `tvcs: Event="Request Sent" Service="SIP" Dst-ip="${node}" Dst-port="${port}" Protocol="${tls ? 'TLS' : 'TCP'}" Method="REGISTER" Device="${device}" Detail="MRA registration forwarded to Unified CM" UTCTime="${utc()}"`,
      'info',
    );
    up.write(encodeSip(req));
  };

  client.on('data', (d: Buffer) => {
    for (const r of framer.push(d)) {
      if (!r.ok) {
        host.log(
          `tvcs: Event="Bad SIP Message" Service="SIP" Detail="${r.error.message}" UTCTime="${utc()}"`,
          'warning',
        );
        client.destroy();
        return;
      }
      const m = r.value;
      if (upstream) {
        upstream.write(encodeSip(m));
      } else if (!pending && m.kind === 'request' && m.method === 'REGISTER') {
        pending = open(m);
      } else if (m.kind === 'request') {
        void (pending ?? Promise.resolve()).then(() => upstream?.write(encodeSip(m)));
      }
    }
  });
  client.on('error', () => {});
  client.on('close', () => upstream?.destroy());
}
