/**
 * CAPF on TCP 3804, publisher only (docs/reference/capf.md §1; TAC-217138 "CAPF service only runs in the
 * Publisher"). TLS with the CAPF certificate, server authentication only (docs/reference/capf.md §2); the phone proves who
 * it is inside the protocol (docs/reference/capf.md §6):
 *
 *   CAPF → AUTH_REQUEST{VERSION 3, AUTH_TYPE}     phone → AUTH_RESPONSE{DEVICE_NAME, PASSWORD, [CERTIFICATE, SIGNED_DATA]}
 *   install:  → KEY_GENERATE_REQUEST{RSA size | EC curve}  ← [REQUEST_IN_PROGRESS] KEY_GENERATE_RESPONSE{PUBLIC_KEY}
 *             → STORE_CERTIFICATE_REQUEST{LSC}             ← STORE_CERTIFICATE_RESPONSE{REASON 1}   → END_SESSION{1}
 *   delete:   → DELETE_CERTIFICATE_REQUEST                 ← DELETE_CERTIFICATE_RESPONSE            → END_SESSION{1}
 *   troubleshoot: → FETCH_CERTIFICATE_REQUEST              ← FETCH_CERTIFICATE_RESPONSE             → END_SESSION{0}
 *
 * The per-device pending operation, auth mode, key and deadline come from the cluster's device table;
 * the outcome is written back as `tkcertificatestatus` (devices/protocols/lsc-status.ts, seed 003
 * wording). Trace lines follow seed 002's CAPF trace (`MsgType : CAPF_MSG_AUTH_REQ`, `Got a new ph
 * conn ...`, `Certificate upgrade successful`).
 */
import { constants, createPublicKey, type KeyObject, publicDecrypt, X509Certificate } from 'node:crypto';
import { buildChain } from '../../certs/chain.ts';
import { issueForPublicKey } from '../../certs/issue.ts';
import { lscProfile } from '../../certs/profiles.ts';
import type { Fabric, TlsConnection } from '../../emulator/fabric.ts';
import type { ByteStream, SecureStream } from '../../emulator/net/types.ts';
import {
  CAPF_PORT,
  CAPF_TRACE_NAMES,
  CapfAuthType,
  CapfCertType,
  CapfCurve,
  type CapfMessage,
  CapfReason,
  capfFramer,
  deleteCertificateRequest,
  encodeCapf,
  endSession,
  fetchCertificateRequest,
  keyGenerateRequest,
  signedDataDigest,
  storeCertificateRequest,
  verifyCapfData,
} from '../protocols/capf.ts';
import { lscStatusByMoniker } from '../protocols/lsc-status.ts';
import type { CertStore } from './cert-store.ts';
import type { Cluster, PhoneRecord } from './cluster.ts';
import type { ReleaseBehaviour } from './releases.ts';
import { ServiceTlsListener } from './service-listener.ts';

export interface CapfHost {
  readonly name: string;
  readonly fabric: Fabric;
  readonly cluster: Cluster;
  readonly release: ReleaseBehaviour;
  readonly certs: CertStore;
  now(): number;
  log(source: string, text: string, level?: 'debug' | 'info' | 'warning' | 'error'): void;
  capfDone(device: string, operation: string, status: number): void;
  /** How long CAPF waits for each phone message (key generation can take a while). */
  readonly messageTimeoutMs: number;
}

type CapfOperation = 'install' | 'delete' | 'troubleshoot';
type FailureKind = 'authString' | 'lsc' | 'mic' | 'credentials' | 'comm' | 'keygen' | 'late';

/**
 * SIGNED_DATA in either form phones and clients send (docs/reference/capf.md §1): RSASSA-PKCS1-v1_5 with the SHA-1
 * DigestInfo, or the PKCS#1 v1.5 type-1 padding around the bare 20-byte SHA-1 (the open-source CAPF
 * client used with real phones; the open-source CAPF server accepts both by comparing the trailing 20
 * bytes of the recovered block). ECDSA for EC keys.
 */
export function signedDataVerifies(
  key: KeyObject,
  deviceName: string,
  certDer: Buffer,
  signature: Buffer,
): boolean {
  if (verifyCapfData(key, deviceName, certDer, signature)) return true;
  if (key.asymmetricKeyType !== 'rsa') return false;
  try {
    const recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
    return recovered.equals(signedDataDigest(deviceName, certDer));
  } catch {
    return false;
  }
}

/** `tkcertificatestatus` by moniker, from seed 003's enumeration (devices/protocols/lsc-status.ts). */
function statusCode(moniker: string): number {
  const s = lscStatusByMoniker(moniker);
  if (!s) throw new Error(`devices/protocols/lsc-status.ts has no ${moniker}`);
  return s.enum;
}

const OPERATION_MONIKER: Record<CapfOperation, string> = {
  install: 'UPGRADE',
  delete: 'DELETE',
  troubleshoot: 'TROUBLESHOOT',
};

/**
 * The failure kinds CAPF tells apart, as seed 003 names them. `keygen`, "Key Generation Failed/Timeout"
 * (CERT_STATUS_*_FAIL_OP_TIMED_OUT), covers both a phone that answers KEY_GENERATE_REQUEST without a key
 * (curve or size it cannot make) and one that never answers; `comm` is a phone that drops or breaks
 * the protocol.
 */
const FAILURE_MONIKER: Record<FailureKind, string> = {
  authString: 'INVALID_AUTH_STR',
  lsc: 'INVALID_LSC',
  mic: 'INVALID_MIC',
  credentials: 'INVALID_CREDENTIALS',
  comm: 'PHONE_COMM_ERROR',
  keygen: 'OP_TIMED_OUT',
  late: 'LATE_REQUEST',
};

const FAIL = Object.fromEntries(
  (Object.keys(OPERATION_MONIKER) as CapfOperation[]).map((op) => [
    op,
    Object.fromEntries(
      (Object.keys(FAILURE_MONIKER) as FailureKind[]).map((k) => [
        k,
        statusCode(`CERT_STATUS_${OPERATION_MONIKER[op]}_FAIL_${FAILURE_MONIKER[k]}`),
      ]),
    ) as Record<FailureKind, number>,
  ]),
) as Record<CapfOperation, Record<FailureKind, number>>;

const SUCCESS: Record<CapfOperation, number> = {
  install: statusCode('CERT_STATUS_UPGRADE_SUCCESS'),
  delete: statusCode('CERT_STATUS_DELETE_SUCCESS'),
  troubleshoot: statusCode('CERT_STATUS_TROUBLESHOOT_SUCCESS'),
};
const SUCCESSES = new Set(Object.values(SUCCESS));

const CURVES: Record<string, number> = {
  'P-256': CapfCurve.SECP256R1,
  'P-384': CapfCurve.SECP384R1,
  'P-521': CapfCurve.SECP521R1,
};

/** Reads decoded CAPF messages one at a time, with a timeout. */
class Reader {
  readonly #queue: (CapfMessage | Error)[] = [];
  #waiter: ((m: CapfMessage | Error) => void) | null = null;
  #closed = false;

  constructor(socket: ByteStream) {
    const framer = capfFramer();
    socket.on('data', (chunk: Buffer) => {
      for (const r of framer.push(chunk)) this.#push(r.ok ? r.value : new Error(r.error.message));
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#push(new Error('the phone closed the connection'));
    });
  }

  #push(m: CapfMessage | Error): void {
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = null;
      w(m);
    } else this.#queue.push(m);
  }

  next(timeoutMs: number): Promise<CapfMessage | Error> {
    const q = this.#queue.shift();
    if (q) return Promise.resolve(q);
    if (this.#closed) return Promise.resolve(new Error('the phone closed the connection'));
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#waiter = null;
        resolve(new Error(`no message from the phone within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiter = (m) => {
        clearTimeout(t);
        resolve(m);
      };
    });
  }
}

export class CapfServer {
  readonly #port: ServiceTlsListener;
  #session = 1000;
  #fd = 14;

  constructor(private readonly h: CapfHost) {
    this.#port = new ServiceTlsListener(h, 'CAPF', CAPF_PORT);
  }

  async start(): Promise<void> {
    await this.#port.start(
      (c) => this.#serve(c),
      (e, c) => {
        this.h.log('capf', `3:UNKNOWN:CAPF session aborted: ${(e as Error)?.message ?? String(e)}`, 'error');
        c.socket.destroy();
      },
    );
  }

  /** "Restart Cisco Certificate Authority Proxy Function": new connections get the current CAPF certificate at once. */
  restart(): void {
    this.#port.restart();
  }

  async stop(): Promise<void> {
    await this.#port.stop();
  }

  async #serve(c: TlsConnection): Promise<void> {
    const fd = this.#fd++;
    const sid = this.#session++;
    this.h.log('capf', `3:UNKNOWN:Got a new ph conn ${c.remote.address} on ${fd}`, 'debug');
    this.h.log('capf', 'TLS HS Done for ph_conn .', 'debug');
    const socket: SecureStream = c.socket;
    const reader = new Reader(socket);
    const send = (m: CapfMessage) => {
      if (!socket.destroyed) socket.write(encodeCapf(m)); // one write per message (docs/reference/capf.md §6 step 7)
    };
    try {
      await this.#session_(c, reader, send, sid);
    } catch (e) {
      this.h.log('capf', `3:UNKNOWN:CAPF session aborted: ${(e as Error).message}`, 'error');
    } finally {
      socket.end();
    }
  }

  async #session_(
    _c: TlsConnection,
    reader: Reader,
    send: (m: CapfMessage) => void,
    sid: number,
  ): Promise<void> {
    send({ command: 'AUTH_REQUEST', sessionId: sid, elements: { version: 3, authType: CapfAuthType.NONE } });
    this.h.log('capf', `MsgType : ${CAPF_TRACE_NAMES.AUTH_REQUEST}`, 'debug');
    const auth = await reader.next(this.h.messageTimeoutMs);
    if (auth instanceof Error || auth.command !== 'AUTH_RESPONSE') {
      this.h.log(
        'capf',
        `3:UNKNOWN:expected CAPF_MSG_AUTH_RES: ${auth instanceof Error ? auth.message : auth.command}`,
        'warning',
      );
      send(endSession(sid, CapfReason.INVALID_ELEMENT));
      return;
    }
    const device = (auth.elements.deviceName ?? '').toUpperCase();
    const tag = `3:${device || 'UNKNOWN'}`;
    this.h.log('capf', `${tag}:Incoming Phone Msg:`, 'debug');
    this.h.log('capf', `MsgType : ${CAPF_TRACE_NAMES.AUTH_RESPONSE}`, 'debug');
    const phone = this.h.cluster.phone(device);
    if (!phone) {
      this.h.log('capf', `${tag}:Device not found in the database`, 'warning');
      send(endSession(sid, CapfReason.UNKNOWN_DEVICE));
      return;
    }
    const op = phone.capf.operation;
    if (op === 'none') {
      this.h.log('capf', `${tag}:No pending CAPF operation for the device`, 'info');
      send(endSession(sid, CapfReason.NO_ACTION));
      return;
    }
    const fail = FAIL[op];
    if (phone.capf.deadline !== null && this.h.now() > phone.capf.deadline) {
      this.#finish(phone, op, fail.late, `${tag}:Operation completes by time has passed`);
      send(endSession(sid, CapfReason.NO_ACTION));
      return;
    }
    const authResult = this.#authenticate(phone, auth, tag);
    if (!authResult.ok) {
      this.#finish(phone, op, fail[authResult.failure], `${tag}:${authResult.message}`);
      send(endSession(sid, CapfReason.INVALID_ELEMENT));
      return;
    }

    if (op === 'install') {
      const keyReq =
        phone.capf.curve !== undefined
          ? keyGenerateRequest(sid, { keyType: 'EC', curve: CURVES[phone.capf.curve] ?? CapfCurve.SECP256R1 })
          : keyGenerateRequest(sid, { keyType: 'RSA', keySize: phone.capf.keySize ?? 2048 });
      send(keyReq);
      this.h.log('capf', `MsgType : ${CAPF_TRACE_NAMES.KEY_GENERATE_REQUEST}`, 'debug');
      let m = await reader.next(this.h.messageTimeoutMs);
      while (!(m instanceof Error) && m.command === 'REQUEST_IN_PROGRESS') {
        this.h.log('capf', `MsgType : ${CAPF_TRACE_NAMES.REQUEST_IN_PROGRESS}`, 'debug');
        this.h.log(
          'capf',
          `${tag}:CAPF CORE: Rcvd Event: CAPF_EV_REQUEST_IN_PROGRESS in State: CAPF_STATE_AWAIT_KEY_GEN_RES`,
          'debug',
        );
        m = await reader.next(this.h.messageTimeoutMs);
      }
      if (m instanceof Error || m.command !== 'KEY_GENERATE_RESPONSE' || !m.elements.publicKey) {
        // No answer in time, or a KEY_GENERATE_RESPONSE without a key (the phone refused the curve or
        // size): Key Generation Failed/Timeout. Anything else: the phone broke the exchange.
        const timeout = m instanceof Error && /within/.test(m.message);
        const refused = !(m instanceof Error) && m.command === 'KEY_GENERATE_RESPONSE';
        this.#finish(
          phone,
          op,
          timeout || refused ? fail.keygen : fail.comm,
          `${tag}:Key generation failed: ${m instanceof Error ? m.message : refused ? 'the phone returned no public key' : m.command}`,
        );
        send(endSession(sid, CapfReason.NO_ACTION));
        return;
      }
      this.h.log('capf', `${tag}:Incoming Phone Msg:`, 'debug');
      this.h.log('capf', `MsgType : ${CAPF_TRACE_NAMES.KEY_GENERATE_RESPONSE}`, 'debug');
      let publicKey: ReturnType<typeof createPublicKey>;
      try {
        publicKey = createPublicKey({ key: m.elements.publicKey, format: 'der', type: 'spki' });
      } catch (e) {
        this.#finish(phone, op, fail.keygen, `${tag}:the public key does not parse: ${(e as Error).message}`);
        send(endSession(sid, CapfReason.INVALID_ELEMENT));
        return;
      }
      const capf = this.h.certs.own('CAPF').identity;
      const mac = device.replace(/^SEP/, '');
      const lsc = await issueForPublicKey(
        this.h.cluster.pki,
        lscProfile(this.h.cluster.pki, { model: phone.decl.model, mac }),
        publicKey,
        capf,
      );
      this.h.log('capf', 'Generated the cert', 'debug');
      send(storeCertificateRequest(sid, lsc.certDer));
      this.h.log('capf', `MsgType : ${CAPF_TRACE_NAMES.STORE_CERTIFICATE_REQUEST}`, 'debug');
      const stored = await reader.next(this.h.messageTimeoutMs);
      if (
        stored instanceof Error ||
        stored.command !== 'STORE_CERTIFICATE_RESPONSE' ||
        stored.elements.reason !== CapfReason.UPDATE_CERTIFICATE
      ) {
        this.#finish(phone, op, fail.comm, `${tag}:the phone did not store the certificate`);
        send(endSession(sid, CapfReason.NO_ACTION));
        return;
      }
      phone.lsc = lsc.cert;
      this.#finish(phone, op, SUCCESS.install, `${tag}:Certificate upgrade successful`);
      send(endSession(sid, CapfReason.UPDATE_CERTIFICATE));
      return;
    }
    if (op === 'delete') {
      send(deleteCertificateRequest(sid));
      this.h.log('capf', `MsgType : ${CAPF_TRACE_NAMES.DELETE_CERTIFICATE_REQUEST}`, 'debug');
      const r = await reader.next(this.h.messageTimeoutMs);
      if (r instanceof Error || r.command !== 'DELETE_CERTIFICATE_RESPONSE') {
        this.#finish(phone, op, fail.comm, `${tag}:the phone did not delete the certificate`);
        send(endSession(sid, CapfReason.NO_ACTION));
        return;
      }
      phone.lsc = null;
      this.#finish(phone, op, SUCCESS.delete, `${tag}:Certificate delete successful`);
      send(endSession(sid, CapfReason.UPDATE_CERTIFICATE));
      return;
    }
    send(fetchCertificateRequest(sid, CapfCertType.LSC));
    this.h.log('capf', `MsgType : ${CAPF_TRACE_NAMES.FETCH_CERTIFICATE_REQUEST}`, 'debug');
    const r = await reader.next(this.h.messageTimeoutMs);
    if (r instanceof Error || r.command !== 'FETCH_CERTIFICATE_RESPONSE') {
      this.#finish(phone, op, fail.comm, `${tag}:the phone did not send its certificate`);
      send(endSession(sid, CapfReason.NO_ACTION));
      return;
    }
    this.#finish(phone, op, SUCCESS.troubleshoot, `${tag}:Certificate troubleshoot successful`);
    send(endSession(sid, CapfReason.NO_ACTION));
  }

  /** The auth modes of the CAPF settings (docs/reference/capf.md §6 step 3). */
  #authenticate(
    phone: PhoneRecord,
    auth: CapfMessage,
    tag: string,
  ): { ok: true } | { ok: false; failure: 'authString' | 'lsc' | 'mic' | 'credentials'; message: string } {
    const e = auth.elements;
    switch (phone.capf.authMode) {
      case 'null-string':
        return { ok: true };
      case 'auth-string':
        if ((e.password ?? '') === (phone.capf.authString ?? '')) return { ok: true };
        return {
          ok: false,
          failure: 'authString',
          message: 'Authentication string mismatch: Invalid Authentication String',
        };
      case 'existing-lsc':
      case 'existing-mic': {
        if (!e.certificate || !e.signedData) {
          return {
            ok: false,
            failure: 'credentials',
            message: 'No certificate presented for authentication by existing certificate',
          };
        }
        let cert: X509Certificate;
        try {
          cert = new X509Certificate(e.certificate.der);
        } catch {
          return { ok: false, failure: 'credentials', message: 'The presented certificate does not parse' };
        }
        const isLsc = e.certificate.certType === CapfCertType.LSC;
        const failure = isLsc ? 'lsc' : 'mic';
        if (!signedDataVerifies(cert.publicKey, e.deviceName ?? '', e.certificate.der, e.signedData)) {
          return {
            ok: false,
            failure,
            message: `SIGNED_DATA does not verify with the presented ${isLsc ? 'LSC' : 'MIC'}`,
          };
        }
        const chain = buildChain(cert, this.h.cluster.trust.certs('CAPF-trust'));
        if (!chain.complete) {
          return {
            ok: false,
            failure,
            message: `The presented ${isLsc ? 'LSC' : 'MIC'} does not chain to CAPF-trust (missing ${chain.missing.issuer})`,
          };
        }
        const now = this.h.now();
        if (now > Date.parse(cert.validTo) || now < Date.parse(cert.validFrom)) {
          return {
            ok: false,
            failure,
            message: `The presented ${isLsc ? 'LSC' : 'MIC'} is expired or not yet valid`,
          };
        }
        if (!isLsc) phone.mic = cert;
        this.h.log('capf', `${tag}:Authenticated by existing ${isLsc ? 'LSC' : 'MIC'}`, 'debug');
        return { ok: true };
      }
    }
  }

  #finish(phone: PhoneRecord, op: string, status: number, line: string): void {
    phone.certificateStatus = status;
    const success = SUCCESSES.has(status);
    this.h.log('capf', line, success ? 'debug' : 'warning');
    // A finished operation is no longer pending (a failed one stays pending, as on CUCM).
    if (success) phone.capf = { ...phone.capf, operation: 'none' };
    this.h.capfDone(phone.decl.name, op, status);
  }
}
