/**
 * A Cisco SPA50x/51x IP phone as a provisioning client (seed 001): it resyncs its configuration over
 * HTTPS from its profile rule URL, presenting its factory client certificate, with the TLS quirks of its
 * firmware row (devices/phone/firmware-profiles.ts: TLS 1.0 only, SHA-1 only, 7.5.7 refuses a
 * server-initiated renegotiation through SSL_OP_NO_RENEGOTIATION), and the cipher offer of its
 * model's TLS library (spa-firmware.ts: SPA514 DHE first, SPA525G2 ECDHE first, seed 001).
 *
 * Log lines (source `syslog`) use the SPA's default resync message templates
 * `Log_Resync_Request_Msg` = `$PN $MAC -- Requesting resync $SCHEME://$SERVIP:$PORT$PATH`,
 * `Log_Resync_Success_Msg` = `$PN $MAC -- Successful resync $SCHEME://$SERVIP:$PORT$PATH`,
 * `Log_Resync_Failure_Msg` = `$PN $MAC -- Resync failed: $ERR` (SPA provisioning guide; APPROXIMATION:
 * quoted from memory, and the $ERR texts are ours: the seeds do not show the phone's side).
 *
 * Each resync's outcome goes on the timeline (`spa-phone.resync`). A renegotiation the firmware refuses
 * is recorded here (`tls.renegotiation`, role client); a completed one is recorded by the end that
 * asked for it, the provisioning server.
 */
import { z } from 'zod';
import type { Identity } from '../../certs/issue.ts';
import { Device, type DeviceContext, type DeviceDescription } from '../../emulator/device.ts';
import { baseDeviceDecl } from '../../emulator/device-registry.ts';
import type { TlsAlert } from '../../emulator/events.ts';
import { type ErrorStack, productErrorText } from '../../emulator/fidelity/node-errors.ts';
import type { SecureStream } from '../../emulator/net/types.ts';
import { alert } from '../../emulator/tls-alerts.ts';
import type { FirmwareProfile } from '../phone/firmware-profiles.ts';
import './events.ts';
import { phoneModelSchema } from '../phone/models.ts';
import { parseResponse } from './http-lite.ts';
import { spaFirmware, spaTlsOptions } from './spa-firmware.ts';
import { spaWorldPki } from './spa-pki.ts';
import { verifyProvisioningServer } from './spa-trust.ts';

/** The SPA firmware's TLS library renders its errors: OpenSSL 0.9.8zc (seed 001 line 182). */
const SPA_STACK: ErrorStack = 'openssl-1.0';

export { signatureHashOf } from './spa-trust.ts';

export const spaPhoneDecl = baseDeviceDecl.extend({
  kind: z.literal('spa-phone'),
  mac: z
    .string()
    .regex(/^[0-9A-Fa-f]{12}$/, 'a MAC is 12 hex digits, e.g. 001122334455')
    .transform((m) => m.toLowerCase()),
  model: phoneModelSchema().default('SPA514G'),
  firmware: z
    .string()
    .refine((f) => spaFirmware(f) !== undefined, 'not an SPA firmware profile (spa-7.5.6c, spa-7.5.7, ...)')
    .describe('firmware profile id from devices/phone/firmware-profiles.ts'),
  profileRule: z
    .string()
    .regex(
      /^https:\/\/[^/\s]+\/\S*$/,
      'a profile rule is an https:// URL, e.g. https://prov/Cisco/spa$MA.xml',
    )
    .describe('Profile_Rule: the resync URL; $MA expands to the lower-case MAC'),
  resyncOnBoot: z.boolean().default(false).describe('resync when the lab starts (Resync_On_Reset)'),
});
export type SpaPhoneDecl = z.infer<typeof spaPhoneDecl>;

export interface ResyncResult {
  ok: boolean;
  url: string;
  /** HTTP status when a response arrived. */
  status: number | null;
  /** The $ERR of the failure message. */
  error: string | null;
  alert: TlsAlert | null;
}

export class SpaPhone extends Device {
  readonly kind = 'spa-phone';
  readonly firmware: FirmwareProfile;
  #identity: Identity | null = null;
  #trust: string[] = [];
  /** The last profile received, null until a resync succeeded. */
  config: string | null = null;

  constructor(
    readonly decl: SpaPhoneDecl,
    ctx: DeviceContext,
  ) {
    super(decl.name, ctx, decl.aliases);
    const fw = spaFirmware(decl.firmware);
    if (!fw) throw new Error(`unknown SPA firmware ${decl.firmware}`);
    this.firmware = fw;
  }

  get mac(): string {
    return this.decl.mac;
  }

  /** The factory client certificate (PEM). */
  get clientCertificatePem(): string {
    if (!this.#identity) throw new Error(`${this.name} has not started`);
    return this.#identity.certPem;
  }

  async start(): Promise<void> {
    const pki = await spaWorldPki({
      seed: this.ctx.seed,
      start: this.ctx.clock.start,
      scope: this.ctx.timeline,
    });
    this.#identity = await pki.spaClientCert(this.decl.mac, this.decl.model);
    this.#trust = [pki.provisioningCa.certPem];
    if (this.decl.resyncOnBoot) {
      this.resync().catch((e: Error) => this.#syslog(`Resync failed: ${e.message}`, 'error'));
    }
  }

  describe(): DeviceDescription {
    return {
      name: this.name,
      kind: this.kind,
      address: this.address,
      aliases: this.aliases,
      ports: [],
      certificates: this.#identity
        ? [
            {
              name: 'client (factory)',
              file: null,
              subject: this.#identity.cert.subject.replace(/\n/g, ', '),
            },
          ]
        : [],
      mac: this.decl.mac,
      model: this.decl.model,
      firmware: this.firmware.id,
    };
  }

  #syslog(text: string, level: 'info' | 'error' = 'info'): void {
    this.log('syslog', `${this.decl.model} ${this.decl.mac} -- ${text}`, level);
  }

  /** One resync: fetch the profile rule URL over HTTPS (Resync_Trigger / `/admin/resync`). */
  async resync(): Promise<ResyncResult> {
    if (!this.#identity) throw new Error(`${this.name} has not started`);
    const url = this.decl.profileRule
      .replace(/\$MA/g, this.decl.mac)
      .replace(/\$MAU/g, this.decl.mac.toUpperCase());
    const u = new URL(url);
    const port = u.port ? Number(u.port) : 443;
    const path = `${u.pathname}${u.search}`;
    const host = u.hostname;
    const resolved = this.fabric.resolve(host);
    const shown = `https://${resolved.ok ? resolved.value : host}:${port}${path}`;
    this.#syslog(`Requesting resync ${shown}`);
    const outcome = (r: ResyncResult, configBytes: number | null): ResyncResult => {
      this.emit('spa-phone.resync', {
        url: r.url,
        outcome: r.ok ? 'succeeded' : 'failed',
        status: r.status,
        error: r.error,
        alert: r.alert,
        configBytes,
        firmware: this.firmware.id,
      });
      return r;
    };
    const fail = (error: string, a: TlsAlert | null = null, status: number | null = null): ResyncResult => {
      this.#syslog(`Resync failed: ${error}`, 'error');
      return outcome({ ok: false, url: shown, status, error, alert: a }, null);
    };
    const tlsOpts = spaTlsOptions(this.firmware, this.decl.model);
    const conn = await this.fabric.connectTls(
      this.name,
      { host, port },
      {
        identity: { certPem: this.#identity.certPem, keyPem: this.#identity.keyPem },
        trust: this.#trust,
        servername: host,
        ...tlsOpts,
      },
      (h) => verifyProvisioningServer(this.firmware, h),
    );
    if (!conn.ok) {
      const e = conn.error;
      if (e.verdict)
        return fail(`https server certificate rejected (${e.verdict.reason})`, e.verdict.alert ?? null);
      const code = e.alert ? `ALERT_${e.alert.name.toUpperCase()}` : e.code;
      return fail(
        `ssl handshake failed${e.alert ? ` (alert ${e.alert.name})` : ''}: ${productErrorText({ code, message: e.message }, SPA_STACK)}`,
        e.alert,
      );
    }
    const sock: SecureStream = conn.value.socket;
    const ua = `Cisco/${this.decl.model}-${this.firmware.loadName} (${this.decl.mac.toUpperCase()})`;
    return new Promise<ResyncResult>((resolve) => {
      let buf = Buffer.alloc(0);
      let settled = false;
      const settle = (r: ResyncResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        sock.destroy();
        resolve(r);
      };
      // One outcome per resync: later events on a stream already settled are not a second failure.
      const failOnce = (...why: Parameters<typeof fail>) => {
        if (!settled) settle(fail(...why));
      };
      const timer = setTimeout(() => failOnce('http response timeout'), 10_000);
      sock.on('data', (d: Buffer) => {
        if (settled) return;
        buf = Buffer.concat([buf, d]);
        const r = parseResponse(buf);
        if (!r.ok) return failOnce(`bad http response: ${r.error.message}`);
        if (!r.value) return;
        const res = r.value;
        if (res.status !== 200) return failOnce(`http status ${res.status} ${res.reason}`, null, res.status);
        this.config = res.body.toString('utf8');
        this.#syslog(`Successful resync ${shown}`);
        settle(outcome({ ok: true, url: shown, status: 200, error: null, alert: null }, res.body.length));
      });
      sock.on('error', (error: Error) => {
        if (settled) return;
        // The firmware's answer to a HelloRequest (seed 001): 7.5.7 refuses and the server aborts with
        // handshake_failure; OpenSSL reports ERR_SSL_NO_RENEGOTIATION or the alert received.
        const e = error as NodeJS.ErrnoException;
        const a = /ALERT_HANDSHAKE_FAILURE/.test(e.code ?? '') ? alert('handshake_failure') : null;
        if (!this.firmware.tls.renegotiation) {
          this.emit('tls.renegotiation', {
            connId: conn.value.id,
            role: 'client',
            outcome: 'refused',
            detail: `firmware ${this.firmware.loadName} refuses server-initiated renegotiation (${productErrorText(e, SPA_STACK)})`,
          });
        }
        // What the firmware's OpenSSL prints (`error:14094410:SSL routines:SSL3_READ_BYTES:sslv3 alert
        // handshake failure`), never Node's code for it.
        failOnce(
          `https connection aborted: ${productErrorText(e, SPA_STACK)}${a ? ` (alert ${a.name})` : ''}`,
          a,
        );
      });
      sock.on('end', () => failOnce('https connection closed by server before a response'));
      sock.write(
        `GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\nUser-Agent: ${ua}\r\nAccept: */*\r\nConnection: close\r\n\r\n`,
      );
    });
  }
}
