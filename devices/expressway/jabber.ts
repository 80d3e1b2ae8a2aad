/**
 * An MRA client, Jabber-like (kind 'jabber'): signs in from outside through Expressway, as seed 004's
 * login does: get_edge_config (which UDS / TFTP servers CUCM advertises), then
 * `/cucm-uds/user/<id>/devices?max=100` on 8443, then the device's `CSF<user>.cnf.xml` over 6972,
 * each request addressed as `/<base64url("<domain>/https/<host>/<port>")>/<path>`. Any failed request
 * is a failed sign-in, as the user sees it: log source 'jabber', `Cannot communicate with the server.`
 */
import { z } from 'zod';
import { Device, type DeviceContext, type DeviceDescription } from '../../emulator/device.ts';
import { baseDeviceDecl } from '../../emulator/device-registry.ts';
import { err, ok, type Result, type UclabError } from '../../emulator/result.ts';
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

export class Jabber extends Device {
  readonly kind = 'jabber';
  #req = 0;
  state: 'signed-out' | 'signed-in' | 'failed' = 'signed-out';
  lastResult: Result<SignIn, UclabError> | null = null;

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
      state: this.state,
    };
  }

  async #get(path: string): Promise<HttpAnswer | Error> {
    const n = ++this.#req;
    const host = this.decl.via;
    const url = `${this.decl.tls ? 'https' : 'http'}://${host}:${this.decl.port}${path}`;
    let sock: import('../../emulator/net/types.ts').ByteStream;
    if (this.decl.tls) {
      const trust = await Promise.all(
        this.decl.trust.map(
          async (c) =>
            (await labCa({ seed: this.ctx.seed, start: this.ctx.clock.start, scope: this.ctx.timeline }, c))
              .certPem,
        ),
      );
      const r = await this.fabric.connectTls(this.name, { host, port: this.decl.port }, { trust }, (h) =>
        h.chainError
          ? { accepted: false, reason: `Expressway certificate not trusted: ${h.chainError}`, alert: null }
          : { accepted: true, reason: 'Expressway certificate trusted' },
      );
      if (!r.ok) {
        this.log('jabber', `[csf.httpclient] request #${n} to ${url} failed: ${r.error.message}`, 'warning');
        return new Error(r.error.message);
      }
      sock = r.value.socket;
    } else {
      const r = await this.fabric.connectTcp(this.name, { host, port: this.decl.port });
      if (!r.ok) {
        this.log('jabber', `[csf.httpclient] request #${n} to ${url} failed: ${r.error.message}`, 'warning');
        return new Error(r.error.message);
      }
      sock = r.value.socket;
    }
    const auth = Buffer.from(`${this.decl.user}:${this.decl.password}`).toString('base64');
    const a = await httpGetOver(sock, `${host}:${this.decl.port}`, path, {
      headers: { Authorization: `Basic ${auth}` },
    });
    sock.destroy();
    if (a instanceof Error)
      this.log('jabber', `[csf.httpclient] request #${n} to ${url} failed: ${a.message}`, 'warning');
    else
      this.log(
        'jabber',
        `[csf.httpclient] HTTP response code ${a.status} for request #${n} to ${url}`,
        a.status === 200 ? 'debug' : 'warning',
      );
    return a;
  }

  #fail(step: string, why: string): Result<SignIn, UclabError> {
    this.state = 'failed';
    this.log('jabber', `[csf.mra] sign-in failed at ${step}: ${why}`, 'warning');
    this.log('jabber', CANNOT_COMMUNICATE, 'error');
    this.lastResult = err({
      code: 'jabber.signin-failed',
      message: `${CANNOT_COMMUNICATE} (${step}: ${why})`,
    });
    return this.lastResult;
  }

  /** Signs in over MRA; the outcome is also logged as the user sees it. */
  async login(): Promise<Result<SignIn, UclabError>> {
    const d = this.decl;
    this.log('jabber', `Signing in as ${d.user}@${d.domain} over Mobile and Remote Access (${d.via})`);
    const edge = await this.#get(
      `/${encodeDomain(d.domain)}/get_edge_config?service_name=_cisco-uds&service_name=_cuplogin`,
    );
    if (edge instanceof Error) return this.#fail('get_edge_config', edge.message);
    if (edge.status !== 200) return this.#fail('get_edge_config', `HTTP ${edge.status} ${edge.reason}`);
    const servers = [
      ...edge.body.toString('utf8').matchAll(/<port>8443<\/port><address>([^<]+)<\/address>/g),
    ].map((m) => m[1] ?? '');
    const server = servers[0];
    if (!server) return this.#fail('get_edge_config', 'no UDS server in the edge configuration');
    const devicesPath = mraPath(
      { domain: d.domain, scheme: 'https', host: server, port: 8443 },
      `/cucm-uds/user/${d.user}/devices?max=100`,
    );
    const devices = await this.#get(devicesPath);
    if (devices instanceof Error) return this.#fail('UDS devices', devices.message);
    if (devices.status !== 200) return this.#fail('UDS devices', `HTTP ${devices.status} ${devices.reason}`);
    const names = [...devices.body.toString('utf8').matchAll(/<name>([^<]+)<\/name>/g)].map(
      (m) => m[1] ?? '',
    );
    const csf = names.find((n) => /^CSF/i.test(n)) ?? names[0];
    if (!csf) return this.#fail('UDS devices', `no device associated with ${d.user}`);
    const configFile = `${csf}.cnf.xml`;
    const config = await this.#get(
      mraPath({ domain: d.domain, scheme: 'https', host: server, port: 6972 }, `/${configFile}`),
    );
    if (config instanceof Error) return this.#fail(configFile, config.message);
    if (config.status !== 200) return this.#fail(configFile, `HTTP ${config.status} ${config.reason}`);
    this.state = 'signed-in';
    this.log(
      'jabber',
      `Signed in as ${d.user}: device ${csf}, configuration ${configFile} (${config.body.length} bytes)`,
    );
    this.lastResult = ok({ server, devices: names, configFile, configBytes: config.body.length });
    return this.lastResult;
  }
}
