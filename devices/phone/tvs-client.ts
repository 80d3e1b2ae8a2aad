/**
 * The phone's TVS client (cisco-formats §4): TLS to <TVS member>:2445, server certificate checked against
 * the ITL's TVS record (role 21), one request per connection, answers cached for their TTL (24 h from CUCM).
 * Wire format: devices/protocols/tvs.ts (byte-confirmed against Cisco's hex dumps).
 */
import type { X509Certificate } from 'node:crypto';
import type { Fabric, Handshake, TlsClientConfig, TrustVerdict } from '../../emulator/fabric.ts';
import { alert } from '../../emulator/tls-alerts.ts';
import {
  type CertVerificationResponse,
  encodeTvs,
  type QueryCertResponse,
  TVS_PORT,
  type TvsMessage,
  tvsFramer,
} from '../protocols/tvs.ts';

export interface TvsAnswer {
  status: number;
  roles: number[];
  ttl: number;
  certificate?: Buffer;
}

export interface TvsClientOptions {
  fabric: Fabric;
  device: string;
  /** Who sends: bind on the lab address, or the kernel's choice for real systems. */
  tls: Omit<TlsClientConfig, 'timeoutMs'>;
  /** The phone's rule for the TVS server certificate (ITL role 21). */
  verifyServer: (cert: X509Certificate) => TrustVerdict;
  timeoutMs?: number;
}

let nextSession = 1000;

/** One TVS exchange: connect, send, read one response, close. */
export async function tvsExchange(
  o: TvsClientOptions,
  server: { host: string; port?: number },
  request: TvsMessage,
): Promise<{ ok: true; answer: TvsAnswer; bytesWritten: number } | { ok: false; message: string }> {
  const verify = (h: Handshake): TrustVerdict => {
    const leaf = h.peerChain[0];
    if (!leaf)
      return { accepted: false, reason: 'TVS sent no certificate', alert: alert('handshake_failure') };
    return o.verifyServer(leaf);
  };
  const conn = await o.fabric.connectTls(
    o.device,
    { host: server.host, port: server.port ?? TVS_PORT },
    { ...o.tls, timeoutMs: o.timeoutMs ?? 5000 },
    verify,
  );
  if (!conn.ok) return { ok: false, message: conn.error.verdict?.reason ?? conn.error.message };
  const sock = conn.value.socket;
  const req = { ...request, sessionId: request.sessionId || ++nextSession };
  const bytes = encodeTvs(req);
  return new Promise((resolve) => {
    const framer = tvsFramer();
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ ok: false, message: `no TVS response within ${o.timeoutMs ?? 5000} ms` });
    }, o.timeoutMs ?? 5000);
    const done = (r: Awaited<ReturnType<typeof tvsExchange>>) => {
      clearTimeout(timer);
      sock.end();
      resolve(r);
    };
    sock.on('data', (chunk: Buffer) => {
      for (const m of framer.push(chunk)) {
        if (!m.ok) return done({ ok: false, message: m.error.message });
        const msg = m.value;
        if (msg.type === 'QUERY_CERT_RES' || msg.type === 'CERT_VERIFICATION_RES') {
          const r = msg as QueryCertResponse | CertVerificationResponse;
          return done({
            ok: true,
            bytesWritten: bytes.length,
            answer: {
              status: r.status,
              roles: r.roles,
              ttl: r.ttl,
              ...('certificate' in r && r.certificate ? { certificate: r.certificate } : {}),
            },
          });
        }
      }
    });
    sock.once('close', () => done({ ok: false, message: 'TVS closed the connection without an answer' }));
    sock.write(bytes);
  });
}
