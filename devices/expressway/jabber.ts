/**
 * An MRA client, Jabber-like (kind 'jabber'): signs in from outside through Expressway, as seed 004's
 * login does: get_edge_config (which UDS / TFTP servers CUCM advertises), then
 * `/cucm-uds/user/<id>/devices?max=100` on 8443, then the device's `CSF<user>.cnf.xml` over 6972,
 * each request addressed as `/<base64url("<domain>/https/<host>/<port>")>/<path>`. A UDS server that
 * does not answer is followed by the next one the edge configuration lists; any other failed request
 * is a failed sign-in, as the user sees it: log source 'jabber', `Cannot communicate with the server.`
 * The outcome, with every request and the one that failed, goes on the timeline (`jabber.sign-in`).
 */
import { z } from 'zod';
import { Device, type DeviceContext, type DeviceDescription } from '../../emulator/device.ts';
import { baseDeviceDecl } from '../../emulator/device-registry.ts';
import type { ByteStream } from '../../emulator/net/types.ts';
import { err, ok, type Result, type UclabError } from '../../emulator/result.ts';
import { encodeSip, header, SipFramer, type SipRequest, type SipResponse } from '../protocols/sip.ts';
import type { JabberRequest } from './events.ts';
import { type HttpAnswer, httpGetOver } from './https-get.ts';
import { encodeDomain, mraPath } from './mra.ts';
import { LAB_CA_NAMES, labCa } from './pki.ts';

export const jabberDecl = baseDeviceDecl.extend({
  kind: z.literal('jabber'),
  user: z.string().describe('the end user id, e.g. emusk'),
  password: z.string().default('cisco123'),
  domain: z.string().describe('the MRA service domain'),
  via: z
    .string()
    .describe('Expressway-E (TLS, the edge) or Expressway-C traffic server (plain HTTP, lab shortcut)'),
  port: z.number().int().default(8443),
  tls: z
    .boolean()
    .default(true)
    .describe('false: talk plain HTTP to an Expressway-C traffic server directly'),
  trust: z.array(z.enum(LAB_CA_NAMES)).default(['enterprise-ca', 'public-ca']),
  autoLogin: z.boolean().default(false),
  deviceSecurity: z
    .enum(['non-secure', 'authenticated', 'encrypted'])
    .default('non-secure')
    .describe("the device security mode of the user's CSF device (its phone security profile)"),
  sipPort: z.number().int().default(5061).describe("the Expressway-E's SIP/TLS port for phone services"),
});
export type JabberDecl = z.infer<typeof jabberDecl>;

/** What Jabber shows when an MRA request fails (the user-visible symptom of seed 004). */
export const CANNOT_COMMUNICATE = 'Cannot communicate with the server.';

export interface SignIn {
  server: string;
  devices: string[];
  configFile: string;
  configBytes: number;
}

/** One sign-in attempt: the requests made so far, for the timeline. */
class Attempt {
  readonly requests: JabberRequest[] = [];
  record(step: string, url: string, a: HttpAnswer | Error): HttpAnswer | Error {
    this.requests.push(
      a instanceof Error
        ? { step, url, status: null, reason: null, error: a.message }
        : { step, url, status: a.status, reason: a.reason, error: null },
    );
    return a;
  }
}

export class Jabber extends Device {
  readonly kind = 'jabber';
  #req = 0;
  #state: 'signed-out' | 'signed-in' | 'failed' = 'signed-out';
  /** The CSF configuration file of the last sign-in: device name and CallManager group. */
  #config: string | null = null;

  constructor(
    readonly decl: JabberDecl,
    ctx: DeviceContext,
  ) {
    super(decl.name, ctx, decl.aliases);
  }

  async start(): Promise<void> {
    if (this.decl.autoLogin) await this.login();
  }

  describe(): DeviceDescription {
    return {
      name: this.name,
      kind: this.kind,
      address: this.address,
      aliases: this.aliases,
      ports: [],
      certificates: [],
      user: this.decl.user,
      state: this.#state,
    };
  }

  async #open(port = this.decl.port): Promise<Result<ByteStream, UclabError>> {
    const host = this.decl.via;
    if (!this.decl.tls) {
      const r = await this.fabric.connectTcp(this.name, { host, port });
      return r.ok ? ok(r.value.socket) : r;
    }
    const trust = await Promise.all(
      this.decl.trust.map(
        async (c) =>
          (await labCa({ seed: this.ctx.seed, start: this.ctx.clock.start, scope: this.ctx.timeline }, c))
            .certPem,
      ),
    );
    const r = await this.fabric.connectTls(this.name, { host, port }, { trust }, (h) =>
      h.chainError
        ? { accepted: false, reason: `Expressway certificate not trusted: ${h.chainError}`, alert: null }
        : { accepted: true, reason: 'Expressway certificate trusted' },
    );
    return r.ok ? ok(r.value.socket) : r;
  }

  async #get(attempt: Attempt, step: string, path: string): Promise<HttpAnswer | Error> {
    const n = ++this.#req;
    const host = this.decl.via;
    const url = `${this.decl.tls ? 'https' : 'http'}://${host}:${this.decl.port}${path}`;
    const stream = await this.#open();
    if (!stream.ok) {
      this.log(
        'jabber',
        `[csf.httpclient] request #${n} to ${url} failed: ${stream.error.message}`,
        'warning',
      );
      return attempt.record(step, url, new Error(stream.error.message));
    }
    const auth = Buffer.from(`${this.decl.user}:${this.decl.password}`).toString('base64');
    const a = await httpGetOver(stream.value, `${host}:${this.decl.port}`, path, {
      headers: { Authorization: `Basic ${auth}` },
    });
    stream.value.destroy();
    if (a instanceof Error)
      this.log('jabber', `[csf.httpclient] request #${n} to ${url} failed: ${a.message}`, 'warning');
    else
      this.log(
        'jabber',
        `[csf.httpclient] HTTP response code ${a.status} for request #${n} to ${url}`,
        a.status === 200 ? 'debug' : 'warning',
      );
    return attempt.record(step, url, a);
  }

  #fail(attempt: Attempt, step: string, why: string): Result<SignIn, UclabError> {
    this.#state = 'failed';
    this.log('jabber', `[csf.mra] sign-in failed at ${step}: ${why}`, 'warning');
    this.log('jabber', CANNOT_COMMUNICATE, 'error');
    const last = attempt.requests.at(-1);
    this.emit('jabber.sign-in', {
      user: this.decl.user,
      domain: this.decl.domain,
      via: this.decl.via,
      outcome: 'failed',
      shown: CANNOT_COMMUNICATE,
      failed: last?.step === step ? last : null,
      reason: `${step}: ${why}`,
      requests: attempt.requests,
      csfDevice: null,
      configFile: null,
      configBytes: null,
    });
    return err({ code: 'jabber.signin-failed', message: `${CANNOT_COMMUNICATE} (${step}: ${why})` });
  }

  /** Signs in over MRA; the outcome is logged as the user sees it and put on the timeline. */
  async login(): Promise<Result<SignIn, UclabError>> {
    const d = this.decl;
    const attempt = new Attempt();
    this.log('jabber', `Signing in as ${d.user}@${d.domain} over Mobile and Remote Access (${d.via})`);
    const edgeStep = 'get_edge_config';
    const edge = await this.#get(
      attempt,
      edgeStep,
      `/${encodeDomain(d.domain)}/get_edge_config?service_name=_cisco-uds&service_name=_cuplogin`,
    );
    if (edge instanceof Error) return this.#fail(attempt, edgeStep, edge.message);
    if (edge.status !== 200) return this.#fail(attempt, edgeStep, `HTTP ${edge.status} ${edge.reason}`);
    const servers = [
      ...edge.body.toString('utf8').matchAll(/<port>8443<\/port><address>([^<]+)<\/address>/g),
    ].map((m) => m[1] ?? '');
    if (servers.length === 0) return this.#fail(attempt, edgeStep, 'no UDS server in the edge configuration');
    // The UDS servers in the order the edge configuration lists them: the next one when a server does
    // not answer 200 (M: Jabber's UDS failover; seed 004 names failover among what X14.2 can break).
    const devicesStep = 'UDS devices';
    let server = '';
    let devices: HttpAnswer | Error = new Error('no UDS server answered');
    for (const [i, candidate] of servers.entries()) {
      server = candidate;
      devices = await this.#get(
        attempt,
        devicesStep,
        mraPath(
          { domain: d.domain, scheme: 'https', host: candidate, port: 8443 },
          `/cucm-uds/user/${d.user}/devices?max=100`,
        ),
      );
      if (!(devices instanceof Error) && devices.status === 200) break;
      const next = servers[i + 1];
      if (next) {
        const why = devices instanceof Error ? devices.message : `HTTP ${devices.status} ${devices.reason}`;
        this.log('jabber', `[csf.mra] UDS server ${candidate} failed (${why}); trying ${next}`, 'warning');
      }
    }
    if (devices instanceof Error) return this.#fail(attempt, devicesStep, devices.message);
    if (devices.status !== 200)
      return this.#fail(attempt, devicesStep, `HTTP ${devices.status} ${devices.reason}`);
    const names = [...devices.body.toString('utf8').matchAll(/<name>([^<]+)<\/name>/g)].map(
      (m) => m[1] ?? '',
    );
    const csf = names.find((n) => /^CSF/i.test(n)) ?? names[0];
    if (!csf) return this.#fail(attempt, devicesStep, `no device associated with ${d.user}`);
    const configFile = `${csf}.cnf.xml`;
    const config = await this.#get(
      attempt,
      configFile,
      mraPath({ domain: d.domain, scheme: 'https', host: server, port: 6972 }, `/${configFile}`),
    );
    if (config instanceof Error) return this.#fail(attempt, configFile, config.message);
    if (config.status !== 200)
      return this.#fail(attempt, configFile, `HTTP ${config.status} ${config.reason}`);
    this.#state = 'signed-in';
    this.#config = config.body.toString('utf8');
    const shown = `Signed in as ${d.user}: device ${csf}, configuration ${configFile} (${config.body.length} bytes)`;
    this.log('jabber', shown);
    this.emit('jabber.sign-in', {
      user: d.user,
      domain: d.domain,
      via: d.via,
      outcome: 'signed-in',
      shown,
      failed: null,
      reason: null,
      requests: attempt.requests,
      csfDevice: csf,
      configFile,
      configBytes: config.body.length,
    });
    return ok({ server, devices: names, configFile, configBytes: config.body.length });
  }

  /**
   * Registers the CSF device for phone services over MRA: SIP over TLS to the Expressway-E, which the
   * Expressway-C forwards to the CallManager of the configuration file (mra-registration.ts). A secure
   * device asks for a TLS leg with `;transport=tls` in its Contact (the lab's signal, M). What the user
   * sees is the lab's wording (L).
   */
  async register(opts: { timeoutMs?: number } = {}): Promise<Result<{ status: number }, UclabError>> {
    const config = this.#config;
    const device = config ? /<name>([^<]+)<\/name>/.exec(config)?.[1] : undefined;
    const node = config ? /<processNodeName>([^<]+)<\/processNodeName>/.exec(config)?.[1] : undefined;
    const done = (status: number | null, reason: string | null, warning: string | null) => {
      const registered = status !== null && status >= 200 && status < 300;
      const shown = registered ? 'Phone services: connected' : 'Phone services: not connected';
      this.log(
        'jabber',
        `[csf.sip] REGISTER ${device ?? ''}: ${status ?? 'no answer'} ${reason ?? ''}`.trim(),
        registered ? 'info' : 'warning',
      );
      this.log('jabber', shown, registered ? 'info' : 'error');
      this.emit('jabber.register', {
        user: this.decl.user,
        deviceName: device ?? '',
        outcome: registered ? 'registered' : 'failed',
        shown,
        status,
        reason,
        warning,
      });
      return registered
        ? ok({ status: status as number })
        : err({
            code: 'jabber.register-failed',
            message: `${shown} (${status ?? 'no answer'} ${reason ?? ''})`.trim(),
          });
    };
    if (!device || !node) return done(null, 'not signed in: no configuration file', null);
    const stream = await this.#open(this.decl.sipPort);
    if (!stream.ok) return done(null, stream.error.message, null);
    const s = stream.value;
    const transport = this.decl.deviceSecurity === 'non-secure' ? 'tcp' : 'tls';
    const local = `${s.localAddress ?? this.address}:${s.localPort ?? 0}`;
    const callId = `${this.decl.user}-${Date.now().toString(16)}@${this.address}`;
    const req: SipRequest = {
      kind: 'request',
      method: 'REGISTER',
      uri: `sip:${node}`,
      headers: [
        ['Via', `SIP/2.0/TLS ${local};branch=z9hG4bK${Date.now().toString(16)}`],
        ['From', `<sip:${this.decl.user}@${node}>;tag=${Date.now().toString(16)}`],
        ['To', `<sip:${this.decl.user}@${node}>`],
        ['Call-ID', callId],
        ['CSeq', '101 REGISTER'],
        ['Max-Forwards', '70'],
        ['User-Agent', 'Cisco-UCM-Jabber/14.1'],
        [
          'Contact',
          `<sip:${this.decl.user}@${local};transport=${transport}>;+u.sip!devicename.ccm.cisco.com="${device}"`,
        ],
        ['Expires', '3600'],
      ],
      body: Buffer.alloc(0),
    };
    const answer = await new Promise<SipResponse | Error>((resolve) => {
      const framer = new SipFramer();
      const timer = setTimeout(() => resolve(new Error('no answer to REGISTER')), opts.timeoutMs ?? 5000);
      s.on('data', (d: Buffer) => {
        for (const r of framer.push(d)) {
          if (r.ok && r.value.kind === 'response' && header(r.value, 'call-id') === callId) {
            clearTimeout(timer);
            resolve(r.value);
          }
        }
      });
      s.on('close', () => {
        clearTimeout(timer);
        resolve(new Error('the connection closed before an answer'));
      });
      s.write(encodeSip(req));
    });
    s.destroy();
    if (answer instanceof Error) return done(null, answer.message, null);
    return done(answer.status, answer.reason, header(answer, 'warning') ?? null);
  }
}
