/**
 * A third-party application server with a secure SIP trunk to CUCM (seed 000: ANDTEK APAS, Java 1.6,
 * JSSE SSLSocketFactory, self-signed certificate made with BouncyCastle).
 *
 * It opens SIP over TLS to CUCM port 5061 with its own certificate and sends OPTIONS; it also listens
 * on 5061 (mutual TLS) for CUCM's own trunk connections and answers OPTIONS with 200 OK.
 *
 * Its certificates, as in the seed:
 * - `certificate: 'no-keycertsign'`: self-signed, RSA 1024, SHA-1, KU digitalSignature+keyEncipherment
 *   only (certs/profiles.ts appServerNoCertSignProfile). CUCM refuses it as a trust certificate.
 * - `certificate: 'keycertsign'`: regenerated with keyCertSign (the fix; appServerProfile).
 * - `presents: 'other'`: the certificate sent in the handshake is not the one exported for upload to
 *   CUCM (seed 000 line 330: "the application server is presenting a certificate that is different from
 *   the one you attached ... and it does not have certificate sign"): the Java keystore still holds the
 *   old BouncyCastle certificate, `C=Germany, L=Hallbergmoos, CN=...` as the seed's capture shows it
 *   (lines 338-342), a name nothing in CallManager-trust carries.
 * - `tlsStack: 'java16-bc'`: the later stage of the case (lines 216-224, 79): the right certificate is
 *   presented, but the Java 1.6 / BouncyCastle TLS stack's CertificateVerify does not verify with its key
 *   (java16-tls.ts says what is modelled; the seed never found why).
 *
 * Log source `app`: what the Java application prints, e.g. JSSE's
 * `javax.net.ssl.SSLHandshakeException: Received fatal alert: unknown_ca` when CUCM refuses it (the alert
 * arrives on the wire from a real CUCM/OpenSSL, or through the lab's side channel from the CUCM model).
 */
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { hasKeyCertSign } from '../../certs/chain.ts';
import { createPkiContext, type Identity, issueCertificate, type PkiContext } from '../../certs/issue.ts';
import { appServerNoCertSignProfile, appServerProfile } from '../../certs/profiles.ts';
import { Device, type DeviceContext, type DeviceDescription } from '../../emulator/device.ts';
import { baseDeviceDecl } from '../../emulator/device-registry.ts';
import type { EventMap } from '../../emulator/events.ts';
import type { Handshake, TlsConnection, TlsIdentity, TrustVerdict } from '../../emulator/fabric.ts';
import { endAfterAnswer } from '../../emulator/net/limits.ts';
import type { ByteStream, SecureStream } from '../../emulator/net/types.ts';
import { err, ok, type Result } from '../../emulator/result.ts';
import { alertForVerifyError } from '../../emulator/tls-alerts.ts';
import { buildOptions, buildResponse, encodeSip, SIP_TLS_PORT, SipFramer } from '../protocols/sip.ts';
import type { CertId } from './events.ts';
import { tls10ClientAuthHandshake } from './java16-tls.ts';
import { connectFailureText, jsseMessage, pingOptions, type TrunkError } from './sip-options-ping.ts';

export type { TrunkError };

export const appServerDecl = baseDeviceDecl.extend({
  kind: z.literal('app-server'),
  cucm: z.string().min(1).describe('host name of the CUCM node the trunk points to'),
  cucmPort: z.number().int().min(1).max(65535).default(SIP_TLS_PORT),
  listenPort: z
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(SIP_TLS_PORT)
    .describe('SIP/TLS port it listens on; 0 = none'),
  certificate: z
    .enum(['no-keycertsign', 'keycertsign'])
    .default('no-keycertsign')
    .describe("its self-signed certificate: seed 000's (no keyCertSign) or the regenerated one"),
  presents: z
    .enum(['uploaded', 'other'])
    .default('uploaded')
    .describe("'other': the TLS handshake presents a different certificate than the one exported for CUCM"),
  tlsStack: z
    .enum(['standard', 'java16-bc'])
    .default('standard')
    .describe(
      "'java16-bc': seed 000's Java 1.6 / BouncyCastle stack, whose CertificateVerify does not verify with the presented certificate's key",
    ),
  cn: z.string().optional().describe("certificate CN; default the server's address (seed 000 used its IP)"),
  userAgent: z.string().default('ANDTEK APAS/4.0 (Java 1.6.0_31)'),
  minTls: z.enum(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']).default('TLSv1'),
  maxTls: z.enum(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
});
export type AppServerDecl = z.infer<typeof appServerDecl>;

export interface TrunkUp {
  /** The answer to OPTIONS. */
  status: number;
  reason: string;
  tlsVersion: string;
  cipher: string;
}

function certId(id: Identity): CertId {
  return {
    subject: id.cert.subject.replace(/\n/g, ', '),
    serial: id.cert.serialNumber,
    sha256: id.cert.fingerprint256,
  };
}

export class AppServer extends Device {
  readonly kind = 'app-server';
  #pki: PkiContext | null = null;
  /** The certificate the administrator exported and uploaded to CUCM CallManager-trust. */
  #exported: Identity | null = null;
  /** The certificate the TLS stack actually presents. */
  #presented: Identity | null = null;
  #trust: string[] = [];
  #generation = 0;
  #stack: AppServerDecl['tlsStack'];
  /** The key the Java 1.6 stand-in signs CertificateVerify with (java16-tls.ts): not the certificate's. */
  #strayKey: KeyObject | null = null;

  constructor(
    readonly decl: AppServerDecl,
    ctx: DeviceContext,
  ) {
    super(decl.name, ctx, decl.aliases);
    this.#stack = decl.tlsStack;
  }

  get cn(): string {
    return this.decl.cn ?? this.address;
  }

  /** PEM of the certificate the administrator exports and uploads to CUCM (CallManager-trust). */
  get exportedCertificatePem(): string {
    if (!this.#exported) throw new Error(`${this.name} has not started`);
    return this.#exported.certPem;
  }

  /** PEM of the certificate presented in the TLS handshake. */
  get presentedCertificatePem(): string {
    if (!this.#presented) throw new Error(`${this.name} has not started`);
    return this.#presented.certPem;
  }

  /** The identities (for tests that drive real peers with the same files). */
  get identities(): { exported: Identity; presented: Identity } {
    if (!this.#exported || !this.#presented) throw new Error(`${this.name} has not started`);
    return { exported: this.#exported, presented: this.#presented };
  }

  async #issue(withKeyCertSign: boolean, label: string, bouncyCastle = false): Promise<Identity> {
    if (!this.#pki) throw new Error(`${this.name} has not started`);
    const o = {
      name: `${this.name}/${label}`,
      cn: this.cn,
      email: `info@${this.name}.lab`,
      l: 'Hallbergmoos',
      // seed 000 lines 338, 342: BouncyCastle let the application write the country as `Germany`.
      c: bouncyCastle ? 'Germany' : 'DE',
      // seed 000's capture of the presented certificate lists no key identifiers: BouncyCastle wrote
      // none. Without an authority key identifier OpenSSL looks its issuer up by name alone.
      ...(bouncyCastle ? { overrides: { ski: false, aki: false } } : {}),
    };
    return issueCertificate(this.#pki, withKeyCertSign ? appServerProfile(o) : appServerNoCertSignProfile(o));
  }

  async start(): Promise<void> {
    this.#pki = createPkiContext({
      seed: `${this.ctx.seed}/${this.name}`,
      labStart: new Date(this.ctx.clock.start),
    });
    this.#exported = await this.#issue(this.decl.certificate === 'keycertsign', `cert#${this.#generation}`);
    // seed 000: the Java keystore kept its BouncyCastle certificate (no keyCertSign, 1024-bit, SHA-1).
    this.#presented =
      this.decl.presents === 'other' ? await this.#issue(false, 'java-keystore', true) : this.#exported;
    // A key of the certificate's size that is not its key: what the Java 1.6 stand-in signs with.
    if (this.decl.tlsStack === 'java16-bc')
      this.#strayKey = (await this.#issue(this.decl.certificate === 'keycertsign', 'java16-signing-key')).key;
    if (this.decl.listenPort > 0) await this.#listen();
  }

  describe(): DeviceDescription {
    return {
      name: this.name,
      kind: this.kind,
      address: this.address,
      aliases: this.aliases,
      ports: this.decl.listenPort > 0 ? [{ name: 'sip-tls', proto: 'tls', port: this.decl.listenPort }] : [],
      certificates: [
        ...(this.#exported
          ? [
              {
                name: 'exported (uploaded to CUCM)',
                file: this.#files.exported,
                subject: this.#exported.cert.subject.replace(/\n/g, ', '),
              },
            ]
          : []),
        ...(this.#presented && this.#presented !== this.#exported
          ? [
              {
                name: 'presented in TLS',
                file: this.#files.presented,
                subject: this.#presented.cert.subject.replace(/\n/g, ', '),
              },
            ]
          : []),
      ],
      cucm: this.decl.cucm,
    };
  }

  #files: { exported: string | null; presented: string | null } = { exported: null, presented: null };

  #writeArtifacts(): void {
    if (!this.#exported || !this.#presented) return;
    this.#files = {
      exported: this.ctx.artifacts.write(`pki/${this.name}/exported.pem`, this.#exported.certPem),
      presented: this.ctx.artifacts.write(`pki/${this.name}/presented.pem`, this.#presented.certPem),
    };
  }

  /** Regenerates the self-signed certificate (the fix of seed 000: with keyCertSign); it is then both exported and presented. */
  async regenerate(opts: { keyCertSign: boolean }): Promise<string> {
    this.#generation++;
    this.#exported = await this.#issue(opts.keyCertSign, `cert#${this.#generation}`);
    this.#presented = this.#exported;
    this.log(
      'app',
      `generated a new self-signed certificate CN=${this.cn} (keyCertSign: ${opts.keyCertSign ? 'yes' : 'no'})`,
    );
    this.#certificateEvent('regenerated', this.#exported);
    return this.#exported.certPem;
  }

  /** The administrator exports the certificate for upload to CUCM (CallManager-trust); returns its PEM. */
  exportCertificate(): string {
    if (!this.#exported) throw new Error(`${this.name} has not started`);
    this.#certificateEvent('exported', this.#exported);
    return this.#exported.certPem;
  }

  /**
   * The administrator exports the private key of the exported certificate, as ANDTEK mailed it to TAC
   * (seed 000 line 251) for an `openssl s_client` test; returns its PEM (write it 0600).
   */
  exportPrivateKey(): string {
    if (!this.#exported) throw new Error(`${this.name} has not started`);
    this.#certificateEvent('key-exported', this.#exported);
    return this.#exported.keyPem;
  }

  /**
   * The application's TLS moves to a stack that signs with the key of the certificate it presents (the
   * lab's own TLS). The seed does not say what ANDTEK changed: this is the lab's fix for its model.
   */
  replaceTlsStack(): void {
    this.#stack = 'standard';
    this.log('app', 'SIP trunk TLS now uses a TLS stack that signs with the key of its certificate');
  }

  #certificateEvent(action: EventMap['app-server.certificate']['action'], id: Identity): void {
    this.emit('app-server.certificate', {
      action,
      certificate: certId(id),
      keyCertSign: hasKeyCertSign(id.x509),
      presented: id === this.#presented,
    });
  }

  /** Loads the exported (uploaded) certificate into the TLS key store: the fix of appserver-trunk-wrong-cert. */
  presentUploaded(): void {
    if (!this.#exported) throw new Error(`${this.name} has not started`);
    this.#presented = this.#exported;
    this.#writeArtifacts();
    this.log('app', 'TLS key store now holds the certificate uploaded to CUCM');
    this.#certificateEvent('presented', this.#exported);
  }

  /** Adds a certificate (CUCM's CallManager.pem) to the application's trust store. Empty = trust any. */
  trust(pem: string): void {
    this.#trust.push(pem);
  }

  #identity(): TlsIdentity {
    if (!this.#presented) throw new Error(`${this.name} has not started`);
    return { certPem: this.#presented.certPem, keyPem: this.#presented.keyPem };
  }

  #verifyCucm(h: Handshake): TrustVerdict {
    if (this.#trust.length === 0)
      return { accepted: true, reason: 'trust store empty: the application accepts any CUCM certificate' };
    if (h.chainError)
      return {
        accepted: false,
        reason: `CUCM certificate not trusted: ${h.chainError}`,
        alert: alertForVerifyError(h.chainError),
      };
    return { accepted: true, reason: 'CUCM certificate is in the application trust store' };
  }

  #tlsCommon() {
    return {
      trust: this.#trust,
      minVersion: this.decl.minTls,
      maxVersion: this.decl.maxTls,
      // A 1024-bit SHA-1 certificate (seed 000) needs security level 0 in OpenSSL 3 (docs/reference/toolchain.md §3.3).
      ciphers: 'DEFAULT:@SECLEVEL=0',
    };
  }

  async #listen(): Promise<void> {
    await this.fabric.listenTls(
      this.name,
      this.decl.listenPort,
      { identities: [this.#identity()], requestCert: true, ...this.#tlsCommon() },
      {
        verify: (h) => this.#verifyCucm(h),
        onConnection: (c) => this.#answer(c),
      },
    );
  }

  /** Answers OPTIONS (and anything else with 200 / 501) on an inbound trunk connection. */
  #answer(c: TlsConnection): void {
    const stream: SecureStream = c.socket;
    const framer = new SipFramer();
    stream.on('data', (d: Buffer) => {
      for (const r of framer.push(d)) {
        if (!r.ok) {
          this.log('app', `SIP parse error from ${c.remote.address}: ${r.error.message}`, 'warning');
          // Answers to the requests before the garbage are still on their way: end, do not destroy.
          endAfterAnswer(stream);
          return;
        }
        const m = r.value;
        if (m.kind !== 'request') continue;
        const res =
          m.method === 'OPTIONS'
            ? buildResponse(m, 200, 'OK', [['Server', this.decl.userAgent]], { toTag: 'apas1' })
            : buildResponse(m, 501, 'Not Implemented', [['Server', this.decl.userAgent]], { toTag: 'apas1' });
        stream.write(encodeSip(res));
      }
    });
  }

  #trunkEvent(
    target: string,
    presented: Identity,
    r: Result<{ status: number; reason: string; tlsVersion: string; cipher: string }, TrunkError>,
    message: string,
  ): void {
    this.emit('app-server.trunk', {
      target,
      outcome: r.ok ? 'up' : 'failed',
      status: r.ok ? r.value.status : null,
      reason: r.ok ? r.value.reason : null,
      tlsVersion: r.ok ? r.value.tlsVersion : null,
      cipher: r.ok ? r.value.cipher : null,
      alert: r.ok ? null : r.error.alert,
      message,
      code: r.ok ? null : r.error.code,
      presented: certId(presented),
      tlsStack: this.#stack,
    });
  }

  /** The trunk through the Java 1.6 stand-in (java16-tls.ts): it never gets past CertificateVerify. */
  async #openTrunkJava16(
    target: { host: string; port: number },
    where: string,
    presented: Identity,
    opts: { timeoutMs?: number },
  ): Promise<Result<TrunkUp, TrunkError>> {
    const fail = (code: string, text: string, alertSeen: TrunkError['alert']) => {
      this.log('app', text, 'error');
      const r = err({ code, message: text, alert: alertSeen });
      this.#trunkEvent(where, presented, r, text);
      return r;
    };
    const tcp = await this.fabric.connectTcp(this.name, target, { timeoutMs: opts.timeoutMs ?? 5000 });
    if (!tcp.ok) return fail(tcp.error.code, connectFailureText(tcp.error), null);
    const stream: ByteStream = tcp.value.socket;
    const strayKey = this.#strayKey;
    if (!strayKey) throw new Error(`${this.name}: the Java 1.6 stack has no key store`);
    const answer = await tls10ClientAuthHandshake(stream, {
      certificate: presented.certDer,
      signingKey: strayKey,
      timeoutMs: opts.timeoutMs ?? 5000,
    });
    if (answer.outcome === 'alert') return fail('tls.alert', jsseMessage(answer.alert), answer.alert);
    if (answer.outcome === 'timeout')
      return fail('tls.timeout', `java.net.SocketTimeoutException: Read timed out (${answer.detail})`, null);
    return fail(`tls.${answer.outcome}`, `${jsseMessage(null)} (${answer.detail})`, null);
  }

  /**
   * Opens the SIP/TLS trunk to CUCM and pings it with OPTIONS; the outcome is logged (source `app`)
   * and put on the timeline (`app-server.trunk`).
   */
  async openTrunk(opts: { timeoutMs?: number } = {}): Promise<Result<TrunkUp, TrunkError>> {
    const target = { host: this.decl.cucm, port: this.decl.cucmPort };
    const where = `${target.host}:${target.port}`;
    const presented = this.#presented;
    if (!presented) throw new Error(`${this.name} has not started`);
    this.log('app', `connecting SIP trunk to ${where} over TLS`);
    if (this.#stack === 'java16-bc') return this.#openTrunkJava16(target, where, presented, opts);
    const conn = await this.fabric.connectTls(
      this.name,
      target,
      { identity: this.#identity(), ...this.#tlsCommon(), servername: false },
      (h) => this.#verifyCucm(h),
    );
    if (!conn.ok) {
      const e = conn.error;
      const text = connectFailureText(e);
      this.log('app', text, 'error');
      const r = err({ code: e.code, message: text, alert: e.alert });
      this.#trunkEvent(where, presented, r, text);
      return r;
    }
    const c = conn.value;
    const stream: SecureStream = c.socket;
    const req = buildOptions({
      localHost: this.address,
      localPort: c.local.port,
      remoteHost: c.remote.address,
      remotePort: target.port,
      transport: 'TLS',
      userAgent: this.decl.userAgent,
    });
    const answer = await pingOptions(stream, req, {
      timeoutMs: opts.timeoutMs ?? 5000,
      closedBy: () => this.timeline.alertFor(c.id, 'server'),
    });
    stream.destroy();
    if (!answer.ok) {
      const text = `SIP trunk to ${where} failed: ${answer.error.message}`;
      this.log('app', text, 'error');
      this.#trunkEvent(where, presented, answer, text);
      return answer;
    }
    const res = answer.value;
    const text = `SIP trunk to ${where} is up: OPTIONS answered SIP/2.0 ${res.status} ${res.reason}`;
    this.log('app', text);
    const up = ok({
      status: res.status,
      reason: res.reason,
      tlsVersion: c.handshake.version,
      cipher: c.handshake.cipher,
    });
    this.#trunkEvent(where, presented, up, text);
    return up;
  }
}
