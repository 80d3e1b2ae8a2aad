/**
 * Phone and trunk registration on one CUCM node: SCCP on TCP 2000 and SCCP/TLS on 2443, SIP on 5060
 * and SIP/TLS on 5061 (cisco-formats §5, §6).
 *
 * TLS listeners present the node's CallManager certificate, ask for the phone's LSC or MIC and check
 * it against CallManager-trust in two layers (architecture decision 3): OpenSSL's chain result, then
 * CUCM's rules here. A refusal records the alert an OpenSSL-based CUCM sends (certificate_expired(45),
 * unknown_ca(48), handshake_failure(40) for no certificate) and logs the SDL line of seed 000:
 * `HandleSSLError - TLS protocol error(ssl reason code=...)`. An accepted secure phone logs the
 * StationD lines of seed 002 (`TLS Connection Cipher - INFO:deviceName=..., Cipher=..., Security Mode=3`).
 *
 * Device security mode (phone security profile): non-secure phones register on 2000/5060 only;
 * authenticated/encrypted phones on 2443/5061 only, with a certificate whose CN is `<model>-SEP<MAC>`
 * of that device.
 */
import type { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { sanEntries } from '../../certs/chain.ts';
import { certificateFields } from '../../certs/cisco-dn.ts';
import { commonName, subjectDn } from '../../certs/dn.ts';
import type {
  Connection,
  Fabric,
  Handshake,
  Listener,
  TlsConnection,
  TlsListener,
  TlsServerConfig,
  TrustVerdict,
} from '../../emulator/fabric.ts';
import { alert, alertForVerifyError } from '../../emulator/tls-alerts.ts';
import {
  encodeSccp,
  headerVersionFor,
  readSccpCall,
  SCCP_PORT,
  SCCP_TLS_PORT,
  type SccpFrame,
  SccpResetType,
  sccpFramer,
} from '../protocols/sccp.ts';
import {
  buildForbidden,
  buildRegisterOk,
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
import { CallControl, type Endpoint, SccpEndpoint, SipEndpoint } from './call-control.ts';
import type { CertStore } from './cert-store.ts';
import type { Cluster, PhoneRecord } from './cluster.ts';
import type { CucmSignalling } from './events.ts';
import { opensslFirstError } from './openssl-verify.ts';
import type { ReleaseBehaviour } from './releases.ts';
import { securityModeOf } from './trust-files.ts';

export interface RegistrationHost {
  readonly name: string;
  readonly fabric: Fabric;
  readonly cluster: Cluster;
  readonly release: ReleaseBehaviour;
  readonly certs: CertStore;
  log(source: string, text: string, level?: 'debug' | 'info' | 'warning' | 'error'): void;
  registered(e: {
    deviceName: string;
    protocol: CucmSignalling;
    transport: 'tcp' | 'tls';
    securityMode: number;
    cipher: string | null;
    connId: string;
  }): void;
  refused(e: {
    deviceName: string | null;
    protocol: CucmSignalling;
    transport: 'tcp' | 'tls';
    reason: string;
  }): void;
  unregistered(e: { deviceName: string; protocol: CucmSignalling; reason: string }): void;
  resetSent(e: { deviceName: string; protocol: CucmSignalling; reason: string }): void;
}

interface Registered {
  device: string;
  protocol: CucmSignalling;
  socket: Socket | TLSSocket;
  /** SIP: the REGISTER that created the binding (for the NOTIFY). */
  register?: SipRequest;
  headerVersion: number;
  /** The phone as call control sees it (call-control.ts). */
  endpoint: Endpoint;
}

/** OpenSSL 1.0 error numbers, as CUCM's SDL trace prints them (seed 000: `...[106]),lib=rsa routines [4],fun=... [112]`). */
const SSL_VERIFY_FAILED =
  'ssl reason code=certificate verify failed [134]),lib=SSL routines [20],fun=ssl3_get_client_certificate [137]';
/**
 * Seed 000, word for word: the RSA error OpenSSL leaves on the queue when a certificate's signature is
 * checked with a key that did not make it (RSA_padding_check_PKCS1_type_1: the "decrypted" signature
 * does not start 00 01). CUCM's HandleSSLError prints the first error of the queue, and `errno=12` as
 * the seed shows it.
 */
const SSL_RSA_WRONG_KEY =
  'ssl reason code=block type is not 01 [106]),lib=rsa routines [4],fun=RSA_padding_check_PKCS1_type_1 [112]';
const SSL_RSA_WRONG_KEY_ERRNO = 12;
const SSL_NO_CERT =
  'ssl reason code=peer did not return a certificate [199]),lib=SSL routines [20],fun=ssl3_get_client_certificate [137]';

/** X509_V_ERR numbers for `verify_cb ... cert verification errno=` (OpenSSL x509_vfy.h). */
const X509_ERRNO: Record<string, number> = {
  UNABLE_TO_GET_ISSUER_CERT: 2,
  CERT_SIGNATURE_FAILURE: 7,
  CERT_NOT_YET_VALID: 9,
  CERT_HAS_EXPIRED: 10,
  DEPTH_ZERO_SELF_SIGNED_CERT: 18,
  SELF_SIGNED_CERT_IN_CHAIN: 19,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 20,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 21,
  INVALID_CA: 24,
  INVALID_PURPOSE: 26,
};

function cnOf(cert: X509Certificate): string {
  // Read from the DER (certs/cisco-dn.ts), not a full ASN.1 parse: every phone's TLS registration asks.
  const f = certificateFields(cert.raw);
  return (f.ok ? f.value.subject.find((a) => a.type === 'CN')?.value : commonName(subjectDn(cert))) ?? '';
}

/** `CP-8861-SEPB000B4BA0AEE` → `SEPB000B4BA0AEE` (LSC/MIC CN, cisco-formats §3.5). */
export function deviceNameFromCert(cert: X509Certificate): string | null {
  const m = /(SEP[0-9A-Fa-f]{12})$/.exec(cnOf(cert));
  return m?.[1]?.toUpperCase() ?? null;
}

export class Registration {
  readonly #listeners: Listener[] = [];
  /** 2443 and 5061: their secure context follows the CallManager certificate and CallManager-trust. */
  readonly #tls: TlsListener[] = [];
  readonly #registered = new Map<string, Registered>();
  #tcpPid = 7;
  #stationId = 47;
  readonly #calls: CallControl;

  constructor(private readonly h: RegistrationHost) {
    this.#calls = new CallControl(h);
  }

  /** Registers `r` under its device name, replacing (and detaching) an older registration. */
  #bind(r: Registered): void {
    const old = this.#registered.get(r.device);
    if (old && old.endpoint !== r.endpoint) this.#calls.detach(old.endpoint);
    this.#registered.set(r.device, r);
    this.#calls.attach(r.endpoint);
  }

  #unbind(device: string): void {
    const r = this.#registered.get(device);
    if (!r) return;
    this.#registered.delete(device);
    this.#calls.detach(r.endpoint);
  }

  async start(): Promise<void> {
    const f = this.h.fabric;
    this.#listeners.push(await f.listenTcp(this.h.name, SCCP_PORT, (c) => this.#sccp(c, 'tcp', null)));
    this.#listeners.push(await f.listenTcp(this.h.name, SIP_TCP_PORT, (c) => this.#sip(c, 'tcp', null)));
    this.#tls.push(
      await f.listenTls(this.h.name, SCCP_TLS_PORT, this.#tlsConfig(), {
        verify: (hs) => this.#verify(hs, 'SCCP'),
        onConnection: (c) => this.#sccp(c, 'tls', c),
        onFailure: (e) => this.#tlsFailure('SCCP', e.message),
      }),
    );
    this.#tls.push(
      await f.listenTls(this.h.name, SIP_TLS_PORT, this.#tlsConfig(), {
        verify: (hs) => this.#verify(hs, 'SIP'),
        onConnection: (c) => this.#sip(c, 'tls', c),
        onFailure: (e) => this.#tlsFailure('SIP', e.message),
      }),
    );
  }

  #tlsConfig(): TlsServerConfig {
    return {
      identities: [this.h.certs.tlsIdentity('CallManager')],
      trust: this.h.cluster.trust.pems('CallManager-trust'),
      requestCert: true,
      maxVersion: this.h.release.signallingMaxTls,
      // Legacy phones (79xx: TLS 1.0, SHA-1, 1024-bit) are part of the model (firmware profiles).
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
      honorCipherOrder: false,
    };
  }

  /**
   * "Restart Cisco CallManager" after a new CallManager certificate or a CallManager-trust change: 2443
   * and 5061 take the new secure context for every new connection at once, without closing the ports;
   * connections already up keep their session until the phone drops them (the caller resets phones).
   */
  updateTls(): void {
    const config = this.#tlsConfig();
    for (const l of this.#tls) l.update(config);
  }

  async stop(): Promise<void> {
    // Calls being set up end with the node: their offers settle and no set-up timer outlives it.
    this.#calls.stop();
    await Promise.all([...this.#listeners.splice(0), ...this.#tls.splice(0)].map((l) => l.close()));
  }

  /** Drops every registration connection, as a node going down does (the phones see the close). */
  dropAll(): void {
    for (const r of [...this.#registered.values()]) r.socket.destroy();
  }

  registeredDevices(): string[] {
    return [...this.#registered.keys()];
  }

  #tlsFailure(protocol: CucmSignalling, message: string): void {
    this.h.log('ccm', `HandleSSLError - TLS protocol error(ssl reason code=${message})`, 'error');
    this.h.refused({ deviceName: null, protocol, transport: 'tls', reason: message });
  }

  /** CUCM's own rules on the phone's (or trunk peer's) certificate: layer two of decision 3. */
  #verify(hs: Handshake, protocol: CucmSignalling): TrustVerdict {
    const leaf = hs.peerChain[0];
    const peer = `${hs.remote.address}:${hs.remote.port}`;
    if (!leaf) {
      this.h.log('ccm', `HandleSSLError - TLS protocol error(${SSL_NO_CERT}, errno=0 for ${peer}`, 'error');
      this.h.refused({ deviceName: null, protocol, transport: 'tls', reason: 'no client certificate' });
      return { accepted: false, reason: 'the peer sent no certificate', alert: alert('handshake_failure') };
    }
    // The first error OpenSSL meets, not the last one Node reports (openssl-verify.ts): it decides
    // the alert and the errno CUCM logs.
    const first = hs.chainError
      ? (opensslFirstError(hs.peerChain, this.h.cluster.trust.certs('CallManager-trust'), Date.now()) ?? {
          code: hs.chainError,
          depth: 0,
        })
      : null;
    if (first) {
      const errno = X509_ERRNO[first.code] ?? 0;
      this.h.log(
        'ccm',
        `SdlSSLTCPListener::verify_cb pre-verified=0,cert verification errno=${errno},depth=${first.depth}`,
        'debug',
      );
      const rsaWrongKey =
        first.code === 'CERT_SIGNATURE_FAILURE' && first.issuer?.publicKey.asymmetricKeyType === 'rsa';
      this.h.log(
        'ccm',
        rsaWrongKey
          ? `HandleSSLError - TLS protocol error(${SSL_RSA_WRONG_KEY}, errno=${SSL_RSA_WRONG_KEY_ERRNO} for ${peer}`
          : `HandleSSLError - TLS protocol error(${SSL_VERIFY_FAILED}, errno=${errno} for ${peer}`,
        'error',
      );
      this.h.refused({
        deviceName: deviceNameFromCert(leaf),
        protocol,
        transport: 'tls',
        reason: first.code,
      });
      return {
        accepted: false,
        reason: `${cnOf(leaf)}: ${first.code} against CallManager-trust`,
        // OpenSSL's ssl_verify_alarm_type sends decrypt_error for a signature failure (seed 000: "the
        // final decrypt error at server side"); emulator/tls-alerts.ts has no case for it.
        alert:
          first.code === 'CERT_SIGNATURE_FAILURE'
            ? alert('decrypt_error')
            : alertForVerifyError(first.code, hs.version),
      };
    }
    // A SIP trunk from an application server: the X.509 Subject Name of its SIP Trunk Security Profile.
    const host = this.h.fabric.hostAt(hs.remote.address);
    const trunk = this.h.cluster.sipTrunks.find((t) => {
      const r = this.h.fabric.resolve(t.destination);
      return (
        (r.ok && r.value === hs.remote.address) ||
        (host !== null && t.destination.toLowerCase() === host.toLowerCase())
      );
    });
    if (protocol === 'SIP' && trunk?.x509SubjectName) {
      const names = [cnOf(leaf), ...sanEntries(leaf).map((s) => s.value)].map((s) => s.toLowerCase());
      if (!names.includes(trunk.x509SubjectName.toLowerCase())) {
        this.h.log(
          'ccm',
          `SIPHandler: incoming TLS connection from ${peer} rejected: X.509 subject name ${cnOf(leaf)} does not match the SIP trunk security profile of ${trunk.name} (${trunk.x509SubjectName})`,
          'error',
        );
        this.h.refused({
          deviceName: trunk.name,
          protocol,
          transport: 'tls',
          reason: 'X.509 subject name mismatch',
        });
        return {
          accepted: false,
          reason: `X.509 subject name ${cnOf(leaf)} is not ${trunk.x509SubjectName}`,
          alert: alert('bad_certificate'),
        };
      }
    }
    this.h.log(
      'ccm',
      'SdlSSLTCPListener::verify_cb pre-verified=1,cert verification errno=0,depth=0',
      'debug',
    );
    return { accepted: true, reason: `${cnOf(leaf)} chains to CallManager-trust` };
  }

  #accepted(c: Connection): void {
    const pid = `1.100.13.${this.#tcpPid++}`;
    this.h.log(
      'ccm',
      `New connection accepted. DeviceName=, TCPPid = [${pid}], IPAddr=${c.remote.address}, Port=${c.remote.port},`,
      'debug',
    );
  }

  // ------------------------------------------------------------------------------------ SCCP

  #sccp(c: Connection, transport: 'tcp' | 'tls', tls: TlsConnection | null): void {
    this.#accepted(c);
    const framer = sccpFramer();
    let device: string | null = null;
    let headerVersion = 0;
    const send = (m: Parameters<typeof encodeSccp>[0]) => {
      if (!c.socket.destroyed) c.socket.write(encodeSccp(m, headerVersion));
    };
    const reject = (text: string, reason: string, name: string | null) => {
      this.h.log('ccm', `StationInit: ${name ?? 'unknown'} Registration rejected: ${reason}`, 'warning');
      this.h.refused({ deviceName: name, protocol: 'SCCP', transport, reason });
      send({ type: 'RegisterReject', text });
      c.socket.end();
    };
    c.socket.on('data', (chunk: Buffer) => {
      for (const r of framer.push(chunk)) {
        if (!r.ok) {
          this.h.log(
            'ccm',
            `StationInit: invalid SCCP message from ${c.remote.address}: ${r.error.message}`,
            'warning',
          );
          c.socket.destroy();
          return;
        }
        try {
          this.#onSccp(r.value, c, transport, tls, {
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
          });
        } catch (e) {
          // A message that frames but cannot be handled ends this connection, never the process.
          this.h.log(
            'ccm',
            `StationInit: cannot handle SCCP message from ${c.remote.address}: ${(e as Error).message}`,
            'warning',
          );
          c.socket.destroy();
          return;
        }
      }
    });
    c.socket.on('close', () => {
      if (device && this.#registered.get(device)?.socket === c.socket) {
        this.#unbind(device);
        this.h.unregistered({ deviceName: device, protocol: 'SCCP', reason: 'connection closed' });
      }
    });
  }

  #onSccp(
    f: SccpFrame,
    c: Connection,
    transport: 'tcp' | 'tls',
    tls: TlsConnection | null,
    s: {
      send: (m: Parameters<typeof encodeSccp>[0]) => void;
      reject: (text: string, reason: string, name: string | null) => void;
      device: string | null;
      setHeaderVersion(v: number): void;
    },
  ): void {
    const m = f.message;
    switch (m.type) {
      case 'Register': {
        const name = m.register.deviceName.toUpperCase();
        const protoVer = m.register.protocolVer ?? 0;
        s.setHeaderVersion(headerVersionFor(Math.min(protoVer, 22)));
        const phone = this.h.cluster.phone(name);
        const check = this.#admit(name, phone, transport, tls);
        if (!check.ok) {
          s.reject(check.text, check.reason, name);
          return;
        }
        s.device = name;
        const mode = phone ? securityModeOf(phone) : 1;
        this.#stationLines(name, mode, tls);
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
        this.#bind({
          device: name,
          protocol: 'SCCP',
          socket: c.socket,
          headerVersion: f.headerVersion,
          endpoint: new SccpEndpoint(name, phone?.decl.line ?? name, mode, c.remote.address, {
            send: s.send,
          }),
        });
        this.h.registered({
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
        if (d && this.#registered.get(d)?.socket === c.socket) {
          this.#unbind(d);
          this.h.unregistered({ deviceName: d, protocol: 'SCCP', reason: 'Unregister' });
        }
        c.socket.end();
        return;
      }
      default: {
        // Call messages (OffHook, KeypadButton, OpenReceiveChannelAck): call control (call-control.ts).
        const call = readSccpCall(m);
        const r = s.device ? this.#registered.get(s.device) : undefined;
        if (call && r?.socket === c.socket && r.endpoint instanceof SccpEndpoint) {
          void this.#calls.onSccp(r.endpoint, call); // never rejects: failures are the reorder tone
        }
        return; // CapabilitiesRes, ButtonTemplateReq, ...: accepted silently (not modelled further).
      }
    }
  }

  /** The device-level checks common to SCCP and SIP. */
  #admit(
    name: string,
    phone: PhoneRecord | undefined,
    transport: 'tcp' | 'tls',
    tls: TlsConnection | null,
  ): { ok: true } | { ok: false; text: string; reason: string } {
    if (!phone)
      return {
        ok: false,
        text: 'Unknown Device',
        reason: `${name} is not configured (auto-registration is off)`,
      };
    const mode = securityModeOf(phone);
    if (transport === 'tcp' && mode !== 1) {
      return {
        ok: false,
        text: 'Security Mode Mismatch',
        reason: `${name} has device security mode ${mode} (${phone.decl.security}) and must register over TLS`,
      };
    }
    if (transport === 'tls') {
      if (mode === 1) {
        return {
          ok: false,
          text: 'Security Mode Mismatch',
          reason: `${name} is non-secure and must not register over TLS`,
        };
      }
      const leaf = tls?.handshake.peerChain[0];
      const certDevice = leaf ? deviceNameFromCert(leaf) : null;
      if (certDevice !== name) {
        return {
          ok: false,
          text: 'Device Name Mismatch',
          reason: `the certificate presented (${leaf ? cnOf(leaf) : 'none'}) is not the certificate of ${name}`,
        };
      }
    }
    return { ok: true };
  }

  #stationLines(name: string, mode: number, tls: TlsConnection | null): void {
    const id = String(this.#stationId++).padStart(7, '0');
    const cluster = this.h.cluster.mixedMode === 'none' ? 0 : 1;
    this.h.log(
      'ccm',
      `StationD: (${id}) ClusterSecurityMode = (${cluster}) DeviceSecurityMode = (${mode})`,
      'debug',
    );
    if (tls) {
      this.h.log(
        'ccm',
        `StationD: (${id}) TLS Connection Cipher - INFO:deviceName=${name}, Cipher=${tls.handshake.cipher}, Security Mode=${mode}`,
      );
    }
  }

  // ------------------------------------------------------------------------------------ SIP

  #sip(c: Connection, transport: 'tcp' | 'tls', tls: TlsConnection | null): void {
    this.#accepted(c);
    const framer = new SipFramer();
    const bound = new Set<string>();
    c.socket.on('data', (chunk: Buffer) => {
      for (const r of framer.push(chunk)) {
        if (!r.ok) {
          this.h.log(
            'ccm',
            `SIPTcp - invalid SIP message from ${c.remote.address}: ${r.error.message}`,
            'warning',
          );
          c.socket.destroy();
          return;
        }
        try {
          this.#onSip(r.value, c, transport, tls, bound);
        } catch (e) {
          this.h.log(
            'ccm',
            `SIPTcp - cannot handle SIP message from ${c.remote.address}: ${(e as Error).message}`,
            'warning',
          );
          c.socket.destroy();
          return;
        }
      }
    });
    c.socket.on('close', () => {
      for (const d of bound) {
        if (this.#registered.get(d)?.socket === c.socket) {
          this.#unbind(d);
          this.h.unregistered({ deviceName: d, protocol: 'SIP', reason: 'connection closed' });
        }
      }
    });
  }

  #onSip(
    m: SipMessage,
    c: Connection,
    transport: 'tcp' | 'tls',
    tls: TlsConnection | null,
    bound: Set<string>,
  ): void {
    const send = (msg: SipMessage) => {
      if (!c.socket.destroyed) c.socket.write(encodeSip(msg));
    };
    const server = this.h.release.sipServer;
    // Calls on the registration connection (call-control.ts): INVITE from this phone, answers to the
    // INVITEs CUCM sent it. Other answers are to our NOTIFYs.
    const own = [...bound].map((d) => this.#registered.get(d)).find((r) => r?.socket === c.socket);
    const endpoint = own?.endpoint instanceof SipEndpoint ? own.endpoint : null;
    if (m.kind === 'response') {
      endpoint?.onResponse(m);
      return;
    }
    // An INVITE on a connection with no registered phone (a SIP trunk peer) keeps the 501 below:
    // trunk call routing is not modelled.
    if (m.method === 'INVITE' && endpoint) {
      void this.#calls.onInvite(endpoint, m, send, server);
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
    const phone = this.h.cluster.phone(name);
    const check = this.#admit(name || '(no device name)', phone, transport, tls);
    if (!check.ok) {
      this.h.log(
        'ccm',
        `SIPStationInit: ${name || 'unknown'} Registration rejected: ${check.reason}`,
        'warning',
      );
      this.h.refused({ deviceName: name || null, protocol: 'SIP', transport, reason: check.reason });
      send(buildForbidden(m, { server, warning: { agent: this.h.name, text: check.text } }));
      return;
    }
    const expires = Number(header(m, 'expires') ?? '3600');
    if (expires === 0) {
      send(buildRegisterOk(m, { server, expires: 0, newRegistration: false }));
      if (this.#registered.get(name)?.socket === c.socket) {
        this.#unbind(name);
        bound.delete(name);
        this.h.unregistered({ deviceName: name, protocol: 'SIP', reason: 'REGISTER Expires: 0' });
      }
      return;
    }
    const isNew = !bound.has(name);
    const mode = phone ? securityModeOf(phone) : 1;
    if (isNew) this.#stationLines(name, mode, tls);
    send(buildRegisterOk(m, { server, expires: 120, newRegistration: isNew }));
    bound.add(name);
    const prior = this.#registered.get(name);
    const dn = phone?.decl.line ?? /<sips?:([^@;>]+)/.exec(header(m, 'to') ?? '')?.[1] ?? name;
    this.#bind({
      device: name,
      protocol: 'SIP',
      socket: c.socket,
      register: m,
      headerVersion: 0,
      endpoint:
        prior?.socket === c.socket
          ? prior.endpoint
          : new SipEndpoint(name, dn, mode, c.remote.address, {
              send,
              local: `${c.socket.localAddress}:${c.socket.localPort}`,
              transport: transport === 'tls' ? 'TLS' : 'TCP',
              node: this.h.name,
            }),
    });
    if (isNew) {
      this.h.registered({
        deviceName: name,
        protocol: 'SIP',
        transport,
        securityMode: mode,
        cipher: tls?.handshake.cipher ?? null,
        connId: c.id,
      });
    }
  }

  // ------------------------------------------------------------------------------------ reset

  /**
   * Resets registered phones over their registration connection: SCCP `Reset` (restart), SIP
   * `NOTIFY` with `Event: service-control` and `action=restart` (the CUCM mechanism for SIP phones).
   */
  reset(match: (device: string) => boolean, reason: string): number {
    let n = 0;
    for (const r of [...this.#registered.values()]) {
      if (!match(r.device) || r.socket.destroyed) continue;
      if (r.protocol === 'SCCP') {
        r.socket.write(encodeSccp({ type: 'Reset', resetType: SccpResetType.RESTART }, r.headerVersion));
      } else if (r.register) {
        const reg = r.register;
        const contact = (header(reg, 'contact') ?? '').replace(/^.*?<([^>]+)>.*$/, '$1');
        const notify: SipRequest = {
          kind: 'request',
          method: 'NOTIFY',
          uri: contact || `sip:${r.device}@${r.socket.remoteAddress}`,
          headers: [
            [
              'Via',
              `SIP/2.0/${'encrypted' in r.socket ? 'TLS' : 'TCP'} ${r.socket.localAddress}:${r.socket.localPort};branch=z9hG4bK${Date.now().toString(16)}`,
            ],
            ['From', `<sip:${this.h.name}>;tag=${Date.now().toString(16)}`],
            ['To', `<sip:${r.device}@${r.socket.remoteAddress}>`],
            ['Call-ID', `${Date.now().toString(16)}@${this.h.name}`],
            ['CSeq', '101 NOTIFY'],
            ['Max-Forwards', '70'],
            ['Event', 'service-control'],
            ['Subscription-State', 'active'],
            ['Content-Type', 'text/plain'],
          ],
          body: Buffer.from(
            `action=restart\r\nRegisterCallId={${header(reg, 'call-id') ?? ''}}\r\nConfigVersionStamp={${this.h.cluster.version}}\r\n`,
          ),
        };
        r.socket.write(encodeSip(notify));
      }
      this.h.log('ccm', `Sending device reset(2) for name=${r.device} (${reason})`, 'info');
      this.h.resetSent({ deviceName: r.device, protocol: r.protocol, reason });
      n++;
    }
    return n;
  }
}
