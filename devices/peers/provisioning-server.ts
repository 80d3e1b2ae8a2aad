/**
 * An Apache 2.4 + mod_ssl style provisioning web server for SPA phones (seed 001).
 *
 * It serves the per-MAC SPA profile (`/Cisco/spa<mac>.xml`) over HTTPS and requires a phone client
 * certificate for one directory, in one of two ways, as Apache configures it:
 * - `sslVerifyClient: 'directory'`: `SSLVerifyClient require` inside `<Directory /var/www/https/Cisco>`.
 *   The first handshake asks for no certificate; when a request for that directory arrives, mod_ssl
 *   renegotiates on the same connection to ask for one (a real TLS renegotiation, `Fabric.renegotiate`,
 *   which records it on the timeline; TLS 1.0-1.2 only). A client that refuses (SPA 7.5.7) leaves
 *   `AH02261: Re-negotiation handshake failed: Not accepted by client!?` in error_log (seed 001).
 * - `sslVerifyClient: 'server'`: `SSLVerifyClient require` at server level: the certificate is asked for
 *   in the first handshake, no renegotiation ever happens (the seed's workaround).
 *
 * Logs (log event sources): `error_log` (Apache 2.4 format, `[time] [ssl:error] [pid N] [client ip:port]
 * AHnnnnn: ...`), `ssl_request_log` (`%t %h %{SSL_PROTOCOL}x %{SSL_CIPHER}x "%r" %b`, the crypto per
 * request as in seed 001) and `access_log` (combined format).
 *
 * Node/OpenSSL facts used (docs/reference/toolchain.md §3.4): a client with SSL_OP_NO_RENEGOTIATION makes the
 * renegotiation fail (the fabric reports it refused); TLS 1.3 cannot renegotiate. The fabric sets
 * SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION on every listener, without which the client would
 * resume its session and send no certificate. TLS 1.0 and SHA-1 need `@SECLEVEL=0` (docs/reference/toolchain.md §3.2/§3.3).
 */
import type { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import type { Identity } from '../../certs/issue.ts';
import { Device, type DeviceContext, type DeviceDescription } from '../../emulator/device.ts';
import { baseDeviceDecl } from '../../emulator/device-registry.ts';
import type { Handshake, TlsConnection, TrustVerdict } from '../../emulator/fabric.ts';
import { alert, alertForVerifyError } from '../../emulator/tls-alerts.ts';
import {
  apacheErrorPage,
  apacheErrorTime,
  apacheLogTime,
  encodeResponse,
  HTTP_MAX_HEAD_BYTES,
  type HttpRequest,
  parseRequestHead,
} from './http-lite.ts';
import './events.ts';
import { spaWorldPki } from './spa-pki.ts';

const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
type TlsVersion = (typeof TLS_VERSIONS)[number];

export const provisioningServerDecl = baseDeviceDecl.extend({
  kind: z.literal('provisioning-server'),
  port: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .optional()
    .describe('HTTPS port; default 443 (10443 when not root)'),
  serverCertHash: z
    .enum(['SHA-1', 'SHA-256'])
    .default('SHA-1')
    .describe('signature hash of the server certificate (seed 001: SPA 7.5.x knows only SHA-1)'),
  sslProtocol: z
    .array(z.enum(TLS_VERSIONS))
    .min(1)
    .default(['TLSv1', 'TLSv1.1', 'TLSv1.2'])
    .describe('Apache SSLProtocol; seed 001: -ALL +TLSv1.2 +TLSv1.1 +TLSv1'),
  sslVerifyClient: z
    .enum(['none', 'server', 'directory'])
    .default('directory')
    .describe(
      "where 'SSLVerifyClient require' is: 'directory' = inside <Directory> (renegotiation), 'server' = server level (first handshake)",
    ),
  protectedDirectory: z
    .string()
    .regex(/^\/[^\s]*$/)
    .default('/Cisco')
    .describe('URL path of the <Directory> that requires a client certificate'),
});
export type ProvisioningServerDecl = z.infer<typeof provisioningServerDecl>;

/** Request paths the server generates: the SPA profile rule `/Cisco/spa$MA.xml` (lower-case MAC). */
const PROFILE_PATH = /^\/(?:.*\/)?spa([0-9a-f]{12})\.(?:xml|cfg)$/;

interface ClientState {
  verified: boolean;
  peer: X509Certificate | null;
  /** The connection's latest handshake (the renegotiated one, once there was one): its crypto is logged. */
  handshake: Handshake;
}

export class ProvisioningServer extends Device {
  readonly kind = 'provisioning-server';
  readonly port: number;
  #identity: Identity | null = null;
  #caPem: string | null = null;
  #certFile: string | null = null;
  readonly #pid: number;
  /** How many profiles were served, by MAC: the phone's proof of config is its own state, this is the server's. */
  readonly served = new Map<string, number>();

  constructor(
    readonly decl: ProvisioningServerDecl,
    ctx: DeviceContext,
  ) {
    super(decl.name, ctx, decl.aliases);
    this.port = decl.port ?? (ctx.fabric.block.privilegedPorts ? 443 : 10443);
    this.#pid = 2000 + (Array.from(decl.name).reduce((a, c) => a + c.charCodeAt(0), 0) % 7000);
  }

  /** The server certificate (PEM), e.g. for curl --cacert in tests. */
  get certificatePem(): string {
    if (!this.#identity) throw new Error(`${this.name} has not started`);
    return this.#identity.certPem;
  }

  /** The CA that signed the server certificate (what the SPA firmware trusts). */
  get caPem(): string {
    if (!this.#caPem) throw new Error(`${this.name} has not started`);
    return this.#caPem;
  }

  async start(): Promise<void> {
    const pki = await spaWorldPki({
      seed: this.ctx.seed,
      start: this.ctx.clock.start,
      scope: this.ctx.timeline,
    });
    this.#identity = await pki.serverCert(this.name, this.aliases, this.decl.serverCertHash);
    this.#caPem = pki.provisioningCa.certPem;
    this.#certFile = this.ctx.artifacts.write(`pki/${this.name}/server.pem`, this.#identity.certPem);
    this.ctx.artifacts.write(`pki/${this.name}/provisioning-ca.pem`, pki.provisioningCa.certPem);
    this.ctx.artifacts.write(`pki/${this.name}/spa-client-ca.pem`, pki.clientCa.certPem);
    const versions = TLS_VERSIONS.filter((v) => this.decl.sslProtocol.includes(v));
    const atServerLevel = this.decl.sslVerifyClient === 'server';
    await this.fabric.listenTls(
      this.name,
      this.port,
      {
        identities: [
          {
            certPem: this.#identity.certPem,
            keyPem: this.#identity.keyPem,
            chainPem: [pki.provisioningCa.certPem],
          },
        ],
        // SSLCACertificateFile: the SPA client CA(s) (seed 001).
        trust: [pki.clientCa.certPem],
        requestCert: atServerLevel,
        minVersion: versions[0] as TlsVersion,
        maxVersion: versions[versions.length - 1] as TlsVersion,
        // TLS 1.0 and SHA-1 certificates need security level 0 in OpenSSL 3 (docs/reference/toolchain.md §3.2, §3.3).
        ciphers: 'DEFAULT:@SECLEVEL=0',
        honorCipherOrder: true,
        // mod_ssl 2.4.7 picks DH parameters by key size: seed 001's SPA514 negotiates DHE-RSA-AES256-SHA.
        dhparam: 'auto',
      },
      {
        verify: (h) => this.#verifyAtHandshake(h, atServerLevel),
        onConnection: (c) => this.#serve(c),
        onFailure: (e) => {
          if (e.code === 'tls.rejected-by-peer') return;
          this.#error(
            'info',
            null,
            `AH02008: SSL library error 1 in handshake (server ${this.name}:${this.port})`,
          );
          this.#error('info', null, `SSL Library Error: ${e.code} ${e.message}`);
        },
      },
    );
  }

  describe(): DeviceDescription {
    return {
      name: this.name,
      kind: this.kind,
      address: this.address,
      aliases: this.aliases,
      ports: [{ name: 'https', proto: 'tls', port: this.port }],
      certificates: this.#identity
        ? [
            {
              name: 'server',
              file: this.#certFile,
              subject: this.#identity.cert.subject.replace(/\n/g, ', '),
            },
          ]
        : [],
      sslVerifyClient: this.decl.sslVerifyClient,
      protectedDirectory: this.decl.protectedDirectory,
    };
  }

  // ---------------------------------------------------------------- logs

  #error(
    level: 'info' | 'error' | 'debug',
    client: { address: string; port: number } | null,
    text: string,
  ): void {
    const c = client ? ` [client ${client.address}:${client.port}]` : '';
    this.log(
      'error_log',
      `[${apacheErrorTime(new Date())}] [ssl:${level}] [pid ${this.#pid}]${c} ${text}`,
      level === 'error' ? 'error' : level === 'debug' ? 'debug' : 'info',
    );
  }

  #requestLogs(c: TlsConnection, state: ClientState, req: HttpRequest, status: number, bytes: number): void {
    const now = new Date();
    const h = state.handshake;
    this.log(
      'ssl_request_log',
      `${apacheLogTime(now)} ${c.remote.address} ${h.version} ${h.cipher} "${req.line}" ${bytes || '-'}`,
    );
    this.log(
      'access_log',
      `${c.remote.address} - - ${apacheLogTime(now)} "${req.line}" ${status} ${bytes || '-'} "-" "${req.headers.get('user-agent') ?? '-'}"`,
    );
  }

  // ---------------------------------------------------------------- TLS

  #verifyAtHandshake(h: Handshake, required: boolean): TrustVerdict {
    if (!required)
      return { accepted: true, reason: 'no client certificate asked for at the first handshake' };
    const peer = h.peerChain[0];
    if (!peer) {
      // OpenSSL with SSL_VERIFY_FAIL_IF_NO_PEER_CERT sends handshake_failure itself (docs/reference/toolchain.md §3.6).
      this.#error(
        'info',
        h.remote,
        `AH02008: SSL library error 1 in handshake (server ${this.name}:${this.port})`,
      );
      this.#error(
        'info',
        h.remote,
        'SSL Library Error: error:140890C7:SSL routines:SSL3_GET_CLIENT_CERTIFICATE:peer did not return a certificate -- No CAs known to server for verification?',
      );
      return {
        accepted: false,
        reason: 'no client certificate (SSLVerifyClient require)',
        alert: alert('handshake_failure'),
      };
    }
    if (h.chainError) {
      this.#error('info', h.remote, `AH02039: Certificate Verification: Error: ${h.chainError}`);
      return {
        accepted: false,
        reason: `client certificate refused: ${h.chainError}`,
        alert: alertForVerifyError(h.chainError),
      };
    }
    return { accepted: true, reason: `client certificate ${peer.subject.replace(/\n/g, ', ')} verified` };
  }

  // ---------------------------------------------------------------- HTTP

  #serve(c: TlsConnection): void {
    const sock = c.socket;
    const state: ClientState = {
      verified:
        this.decl.sslVerifyClient === 'server' &&
        c.handshake.chainError === null &&
        c.handshake.peerChain.length > 0,
      peer: c.handshake.peerChain[0] ?? null,
      handshake: c.handshake,
    };
    let buf = Buffer.alloc(0);
    let handled = false;
    const onData = (d: Buffer) => {
      if (handled) return;
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > HTTP_MAX_HEAD_BYTES) {
          handled = true;
          sock.end(encodeResponse(400, apacheErrorPage(400, '/')));
        }
        return;
      }
      handled = true;
      sock.off('data', onData);
      const parsed = parseRequestHead(buf.subarray(0, end).toString('latin1'));
      if (!parsed.ok) {
        this.#error('debug', c.remote, `AH00566: request failed: ${parsed.error.message}`);
        sock.end(encodeResponse(400, apacheErrorPage(400, '/')));
        return;
      }
      void this.#handle(c, state, parsed.value);
    };
    sock.on('data', onData);
  }

  #isProtected(path: string): boolean {
    if (this.decl.sslVerifyClient === 'none') return false;
    const dir = this.decl.protectedDirectory.replace(/\/$/, '');
    return path === dir || path.startsWith(`${dir}/`);
  }

  async #handle(c: TlsConnection, state: ClientState, req: HttpRequest): Promise<void> {
    const path = req.path.split('?')[0] ?? req.path;
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return this.#respond(c, state, req, 405, 'Method Not Allowed\n');
    if (this.#isProtected(path) && !state.verified) {
      const outcome = await this.#renegotiate(c, state);
      if (!outcome) return this.#respond(c, state, req, 403, apacheErrorPage(403, path));
    }
    const m = PROFILE_PATH.exec(path);
    if (!m?.[1]) return this.#respond(c, state, req, 404, apacheErrorPage(404, path));
    const mac = m[1];
    this.served.set(mac, (this.served.get(mac) ?? 0) + 1);
    const body = spaProfile(mac, this.name);
    return this.#respond(c, state, req, 200, body, 'text/xml');
  }

  #respond(
    c: TlsConnection,
    state: ClientState,
    req: HttpRequest,
    status: number,
    body: string,
    type?: string,
  ): void {
    const bytes = Buffer.byteLength(body);
    this.#requestLogs(c, state, req, status, bytes);
    if (c.socket.destroyed || !c.socket.writable) return;
    c.socket.end(encodeResponse(status, req.method === 'HEAD' ? '' : body, type));
  }

  /**
   * mod_ssl's per-directory client verification (ssl_hook_Access, Apache 2.4.7): ask for the certificate
   * by renegotiation and wait for the handshake. Returns true when a verified certificate arrived.
   */
  async #renegotiate(c: TlsConnection, state: ClientState): Promise<boolean> {
    if (state.handshake.version === 'TLSv1.3') {
      // Apache 2.4.4x asks for post-handshake authentication in TLS 1.3; Node cannot, nor do these phones.
      // The fabric records the renegotiation as impossible.
      await this.fabric.renegotiate(this.name, c);
      this.#error('error', c.remote, 'AH10158: cannot perform post-handshake authentication');
      return false;
    }
    this.#error('debug', c.remote, `AH02221: Requesting connection re-negotiation`);
    this.#error('info', c.remote, 'AH02226: Awaiting re-negotiation handshake');
    const r = await this.fabric.renegotiate(this.name, c, {
      requestCert: true,
      verify: (h) => this.#verifyAfterRenegotiation(h),
    });
    if (!r.ok) {
      // seed 001, word for word.
      this.#error('error', c.remote, 'AH02261: Re-negotiation handshake failed: Not accepted by client!?');
      return false;
    }
    const h = r.value.handshake;
    state.handshake = h;
    const peer = h.peerChain[0];
    if (!peer) {
      this.#error('error', c.remote, 'AH02263: Re-negotiation handshake failed: Client certificate missing');
      return false;
    }
    if (h.chainError) {
      this.#error('info', c.remote, `AH02039: Certificate Verification: Error: ${h.chainError}`);
      this.#error('error', c.remote, 'AH02262: Re-negotiation handshake failed: Client verification failed');
      return false;
    }
    state.verified = r.value.verdict?.accepted ?? false;
    state.peer = peer;
    return state.verified;
  }

  /** `SSLVerifyClient require` on the renegotiated handshake: a certificate, verified by SSLCACertificateFile. */
  #verifyAfterRenegotiation(h: Handshake): TrustVerdict {
    const peer = h.peerChain[0];
    if (!peer)
      return { accepted: false, reason: 'no client certificate (SSLVerifyClient require)', alert: null };
    if (h.chainError)
      return { accepted: false, reason: `client certificate refused: ${h.chainError}`, alert: null };
    return { accepted: true, reason: `client certificate ${peer.subject.replace(/\n/g, ', ')} verified` };
  }
}

/** A small SPA flat profile (the real ones are `<flat-profile>` XML with one element per parameter). */
export function spaProfile(mac: string, server: string): string {
  return [
    '<flat-profile>',
    `  <Station_Name>SPA-${mac}</Station_Name>`,
    `  <Profile_Rule>https://${server}/Cisco/spa$MA.xml</Profile_Rule>`,
    '  <Resync_Periodic>3600</Resync_Periodic>',
    '  <Proxy_1_>sip.lab.example</Proxy_1_>',
    '  <User_ID_1_>1001</User_ID_1_>',
    '</flat-profile>',
    '',
  ].join('\n');
}
