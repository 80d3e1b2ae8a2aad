/**
 * The phone's CAPF client (docs/reference/capf.md §1): TLS to <capf node>:3804 with server authentication only
 * (the phone checks the CAPF certificate against its CTL/ITL CAPF record, role 4), then the CAPF
 * exchange in the wire format of devices/protocols/capf.ts (`capfd`/`capfc`):
 *
 *   CAPF  AUTH_REQUEST{VERSION, AUTH_TYPE}
 *   phone AUTH_RESPONSE{REASON=1, VERSION, DEVICE_NAME, PASSWORD, [CERTIFICATE, SIGNED_DATA, SHA2_SIGNED_DATA]}
 *   CAPF  KEY_GENERATE_REQUEST{KEY_TYPE, KEY_SIZE | CURVE}      (install/upgrade)
 *   phone REQUEST_IN_PROGRESS, KEY_GENERATE_RESPONSE{PUBLIC_KEY}
 *   CAPF  STORE_CERTIFICATE_REQUEST{CERTIFICATE}  → phone STORE_CERTIFICATE_RESPONSE{REASON=1}
 *   CAPF  DELETE_CERTIFICATE_REQUEST             → phone DELETE_CERTIFICATE_RESPONSE{REASON=1}
 *   CAPF  FETCH_CERTIFICATE_REQUEST              → phone FETCH_CERTIFICATE_RESPONSE{REASON=1, CERTIFICATE}
 *   CAPF  END_SESSION{REASON}
 *
 * Keys are never generated at run time: the "generated" key comes from the lab key pool (certs/key-pool).
 * Each message goes out in a single write (docs/reference/capf.md §6 step 7).
 */
import { constants, createPublicKey, type KeyObject, privateEncrypt, X509Certificate } from 'node:crypto';
import type { Identity } from '../../certs/issue.ts';
import type { KeySpec } from '../../certs/key-pool/index.ts';
import type { Fabric, Handshake, TlsClientConfig, TrustVerdict } from '../../emulator/fabric.ts';
import { alert } from '../../emulator/tls-alerts.ts';
import {
  authResponse,
  CAPF_PORT,
  CapfCertType,
  CapfCurve,
  CapfKeyType,
  type CapfMessage,
  CapfReason,
  capfFramer,
  deleteCertificateResponse,
  encodeCapf,
  fetchCertificateResponse,
  keyGenerateResponse,
  requestInProgress,
  signCapfData,
  signCapfDataSha2,
  signedDataDigest,
  storeCertificateResponse,
} from '../protocols/capf.ts';

/**
 * SIGNED_DATA in the firmware's form: `raw-sha1` pads the bare SHA-1 of deviceName ‖ 0x00 ‖ certDER
 * (PKCS#1 v1.5 type 1, no DigestInfo), `digest-info` is RSASSA-PKCS1-v1_5-SHA1. ECDSA for EC keys.
 */
export function signedData(
  key: KeyObject,
  deviceName: string,
  certDer: Buffer,
  form: 'raw-sha1' | 'digest-info',
): Buffer {
  if (form === 'digest-info' || key.asymmetricKeyType !== 'rsa')
    return signCapfData(key, deviceName, certDer);
  return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signedDataDigest(deviceName, certDer));
}

export type CapfAuthModeName = 'auth-string' | 'null-string' | 'existing-lsc' | 'existing-mic';

export interface CapfClientOptions {
  fabric: Fabric;
  device: string;
  /** SEP<MAC>: DEVICE_NAME and the SIGNED_DATA input. */
  deviceName: string;
  server: { host: string; port?: number };
  tls: Omit<TlsClientConfig, 'timeoutMs'>;
  /** The phone's rule for the CAPF server certificate (CTL/ITL role 4). */
  verifyServer: (cert: X509Certificate) => TrustVerdict;
  /** capfAuthMode of the config: 1 string, 2 null string, 3 LSC first then MIC, 4 MIC. */
  authMode: 1 | 2 | 3 | 4;
  /** What the user typed on the phone (Settings > Security > LSC), for mode 1. */
  authString?: string;
  mic: Identity;
  lsc: Identity | null;
  /** The firmware's limits. */
  maxRsaKeyBits: number;
  /** The SIGNED_DATA form of this firmware (firmware-profiles.ts `capfSignedData`). */
  signedDataForm: 'raw-sha1' | 'digest-info';
  ecSupport: boolean;
  /** Takes the "generated" key from the lab pool. */
  takeKey: (spec: KeySpec) => KeyObject;
  log: (text: string, level?: 'info' | 'error') => void;
  timeoutMs?: number;
}

export type CapfOutcome =
  | { kind: 'installed'; lsc: X509Certificate; key: KeyObject }
  | { kind: 'deleted' }
  | { kind: 'fetched' }
  /** CAPF asked for a certificate the phone does not hold: it answered with none (reason 0). */
  | { kind: 'nothing-to-fetch'; message: string }
  | { kind: 'no-action' }
  | { kind: 'failed'; reason: number | null; message: string }
  | { kind: 'no-valid-server'; message: string };

const CURVE_SPEC: Record<number, KeySpec> = {
  [CapfCurve.SECP256R1]: { kind: 'ec', curve: 'P-256' },
  [CapfCurve.SECP384R1]: { kind: 'ec', curve: 'P-384' },
  [CapfCurve.SECP521R1]: { kind: 'ec', curve: 'P-521' },
};

export async function runCapf(o: CapfClientOptions): Promise<CapfOutcome> {
  const verify = (h: Handshake): TrustVerdict => {
    const leaf = h.peerChain[0];
    if (!leaf)
      return { accepted: false, reason: 'CAPF sent no certificate', alert: alert('handshake_failure') };
    return o.verifyServer(leaf);
  };
  const conn = await o.fabric.connectTls(
    o.device,
    { host: o.server.host, port: o.server.port ?? CAPF_PORT },
    { ...o.tls, timeoutMs: o.timeoutMs ?? 5000 },
    verify,
  );
  if (!conn.ok) {
    if (conn.error.verdict && !conn.error.verdict.accepted) {
      return { kind: 'no-valid-server', message: conn.error.verdict.reason };
    }
    return { kind: 'failed', reason: null, message: conn.error.message };
  }
  const sock = conn.value.socket;
  const framer = capfFramer();
  let pendingKey: KeyObject | null = null;
  let installed: { lsc: X509Certificate; key: KeyObject } | null = null;
  let deleted = false;
  let fetched = false;
  let nothingToFetch: string | null = null;
  const send = (m: CapfMessage) => sock.write(encodeCapf(m));

  return new Promise<CapfOutcome>((resolve) => {
    const timer = setTimeout(
      () => finish({ kind: 'failed', reason: null, message: 'CAPF session timed out' }),
      o.timeoutMs ?? 10_000,
    );
    let finished = false;
    function finish(r: CapfOutcome) {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.end();
      resolve(r);
    }
    const handle = (m: CapfMessage) => {
      const sid = m.sessionId;
      switch (m.command) {
        case 'AUTH_REQUEST': {
          o.log(
            `CAPF: AUTH_REQUEST session ${sid}, version ${m.elements.version ?? '?'}, auth type ${m.elements.authType ?? 0}`,
          );
          const e: Parameters<typeof authResponse>[1] = { deviceName: o.deviceName };
          if (o.authMode === 1) e.password = o.authString ?? '';
          else e.password = '';
          if (o.authMode === 3 || o.authMode === 4) {
            const cert = o.authMode === 3 && o.lsc ? o.lsc : o.mic;
            const certType = cert === o.lsc ? CapfCertType.LSC : CapfCertType.MIC;
            e.certificate = { certType, der: cert.certDer };
            e.signedData = signedData(cert.key, o.deviceName, cert.certDer, o.signedDataForm);
            e.sha2SignedData = signCapfDataSha2(cert.key, o.deviceName, cert.certDer);
          }
          send(authResponse(sid, e));
          return;
        }
        case 'KEY_GENERATE_REQUEST': {
          const el = m.elements;
          let spec: KeySpec | null = null;
          if (el.keyType === CapfKeyType.EC) {
            spec = o.ecSupport ? (CURVE_SPEC[el.curve ?? -1] ?? null) : null;
          } else {
            const bits = el.keySize ?? 2048;
            spec =
              (bits === 1024 || bits === 2048 || bits === 4096) && bits <= o.maxRsaKeyBits
                ? { kind: 'rsa', bits }
                : null;
          }
          if (!spec) {
            o.log(
              `CAPF: cannot generate the requested key (type ${el.keyType}, size ${el.keySize ?? '-'}, curve ${el.curve ?? '-'})`,
              'error',
            );
            send({
              command: 'KEY_GENERATE_RESPONSE',
              sessionId: sid,
              elements: { reason: CapfReason.INVALID_ELEMENT },
            });
            return;
          }
          o.log(
            `CAPF: KEY_GENERATE_REQUEST ${spec.kind === 'rsa' ? `RSA ${spec.bits}` : `EC ${spec.curve}`}: generating key`,
          );
          send(requestInProgress(sid));
          pendingKey = o.takeKey(spec);
          const spki = createPublicKey(pendingKey).export({ type: 'spki', format: 'der' });
          send(keyGenerateResponse(sid, spki));
          return;
        }
        case 'STORE_CERTIFICATE_REQUEST': {
          const der = m.elements.certificate?.der;
          let cert: X509Certificate | null = null;
          try {
            cert = der ? new X509Certificate(der) : null;
          } catch {
            cert = null;
          }
          const keyMatches =
            cert &&
            pendingKey &&
            cert.publicKey
              .export({ type: 'spki', format: 'der' })
              .equals(createPublicKey(pendingKey).export({ type: 'spki', format: 'der' }));
          if (!cert || !pendingKey || !keyMatches) {
            o.log(
              'CAPF: STORE_CERTIFICATE_REQUEST with a certificate that does not match the generated key',
              'error',
            );
            send(storeCertificateResponse(sid, CapfReason.INVALID_ELEMENT));
            return;
          }
          installed = { lsc: cert, key: pendingKey };
          o.log(
            `CAPF: LSC stored: ${cert.subject.replace(/\n/g, ', ')} issued by ${cert.issuer.replace(/\n/g, ', ')}`,
          );
          send(storeCertificateResponse(sid, CapfReason.UPDATE_CERTIFICATE));
          return;
        }
        case 'DELETE_CERTIFICATE_REQUEST':
          deleted = true;
          send(deleteCertificateResponse(sid, CapfReason.UPDATE_CERTIFICATE));
          return;
        case 'FETCH_CERTIFICATE_REQUEST': {
          // CERTIFICATE_TYPE is 1 LSC, 2 MIC (docs/reference/capf.md §5); without it the phone answers for its LSC,
          // the certificate CAPF issues: an approximation (L), nothing public says what firmware does.
          const typed = m.elements.certificateType !== undefined;
          const want = m.elements.certificateType ?? CapfCertType.LSC;
          const c = want === CapfCertType.MIC ? o.mic : want === CapfCertType.LSC ? o.lsc : null;
          // Only a certificate sent is a fetch: the report must say what went on the wire.
          if (c) fetched = true;
          else {
            const name =
              want === CapfCertType.MIC ? 'MIC' : want === CapfCertType.LSC ? 'LSC' : `type ${want}`;
            nothingToFetch = `CAPF asked for the ${name}${typed ? '' : ' (no certificate type given)'} and the phone holds none: no certificate sent`;
            o.log(`CAPF: FETCH_CERTIFICATE_REQUEST: ${nothingToFetch}`, 'error');
          }
          send(fetchCertificateResponse(sid, c ? { certType: want, der: c.certDer } : undefined));
          return;
        }
        case 'END_SESSION': {
          const reason = m.elements.reason ?? null;
          const info = m.elements.reasonInfo ? ` (${m.elements.reasonInfo})` : '';
          o.log(
            `CAPF: END_SESSION reason ${reason}${info}`,
            reason === CapfReason.UPDATE_CERTIFICATE || reason === CapfReason.NO_ACTION ? 'info' : 'error',
          );
          if (installed) return finish({ kind: 'installed', ...installed });
          if (deleted) return finish({ kind: 'deleted' });
          if (fetched) return finish({ kind: 'fetched' });
          if (nothingToFetch) return finish({ kind: 'nothing-to-fetch', message: nothingToFetch });
          if (reason === CapfReason.NO_ACTION || reason === CapfReason.UPDATE_CERTIFICATE)
            return finish({ kind: 'no-action' });
          return finish({
            kind: 'failed',
            reason,
            message: `CAPF ended the session with reason ${reason}${info}`,
          });
        }
        default:
          o.log(`CAPF: ignoring ${m.command}`);
      }
    };
    sock.on('data', (chunk: Buffer) => {
      for (const r of framer.push(chunk)) {
        if (!r.ok) return finish({ kind: 'failed', reason: null, message: r.error.message });
        handle(r.value);
      }
    });
    sock.once('close', () => {
      if (installed) return finish({ kind: 'installed', ...installed });
      finish({ kind: 'failed', reason: null, message: 'CAPF closed the connection' });
    });
  });
}
