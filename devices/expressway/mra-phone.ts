/**
 * A Cisco 78xx/88xx phone (or DX endpoint) provisioning over Mobile and Remote Access (kind
 * 'mra-phone'): it asks the Expressway-E for the edge configuration, then fetches its `SEP<MAC>.cnf.xml`
 * from the TFTP service over 6972 through the Expressway-C traffic server, each request addressed as
 * `/<base64url("<domain>/https/<host>/<port>")>/<path>` (seed 004's path form).
 *
 * Seed 003 (lines 314-318): "If you plan to use DX series endpoints or 78XX/88XX phones across MRA,
 * Expressway-E Certificates must be signed by a public CA in the pre-installed CA Trust List. Any other
 * certificates will be disregarded by these devices." So the phone verifies the Expressway-E against
 * its built-in list only; the lab's stand-in for a public CA of that list is `public-ca`
 * (devices/expressway/pki.ts). What the phone prints and shows is the lab's (L): no seed shows it.
 * Each attempt goes on the timeline (`mra-phone.provision`).
 */
import { z } from 'zod';
import { Device, type DeviceContext, type DeviceDescription } from '../../emulator/device.ts';
import { baseDeviceDecl } from '../../emulator/device-registry.ts';
import type { ByteStream } from '../../emulator/net/types.ts';
import { err, ok, type Result, type UclabError } from '../../emulator/result.ts';
import { alertForVerifyError } from '../../emulator/tls-alerts.ts';
import type { JabberRequest } from './events.ts';
import './events.ts';
import { phoneModelSchema } from '../phone/models.ts';
import { type HttpAnswer, httpGetOver } from './https-get.ts';
import { encodeDomain, mraPath } from './mra.ts';
import { verifyErrorText } from './origin.ts';
import { type LabCaName, labCa } from './pki.ts';

/** The lab's stand-in for the phone's pre-installed CA trust list (public CAs only). */
export const PREINSTALLED_TRUST: readonly LabCaName[] = ['public-ca'];

export const mraPhoneDecl = baseDeviceDecl.extend({
  kind: z.literal('mra-phone'),
  model: phoneModelSchema().default('CP-8861'),
  mac: z
    .string()
    .regex(/^[0-9A-Fa-f]{12}$/, 'a MAC is 12 hex digits, e.g. B000B4BA0AEE')
    .transform((m) => m.toUpperCase()),
  domain: z.string().describe('the MRA service domain'),
  via: z.string().describe('the Expressway-E (its MRA edge on 8443)'),
  port: z.number().int().default(8443),
});
export type MraPhoneDecl = z.infer<typeof mraPhoneDecl>;

/** What the lab's phone shows when it cannot provision over MRA (L). */
export const MRA_PHONE_FAILED = 'Unable to connect to the Expressway';

export class MraPhone extends Device {
  readonly kind = 'mra-phone';

  constructor(
    readonly decl: MraPhoneDecl,
    ctx: DeviceContext,
  ) {
    super(decl.name, ctx, decl.aliases);
  }

  get deviceName(): string {
    return `SEP${this.decl.mac}`;
  }

  async start(): Promise<void> {}

  describe(): DeviceDescription {
    return {
      name: this.name,
      kind: this.kind,
      address: this.address,
      aliases: this.aliases,
      ports: [],
      certificates: [],
      model: this.decl.model,
      deviceName: this.deviceName,
    };
  }

  async #open(): Promise<Result<ByteStream, UclabError>> {
    const ref = { seed: this.ctx.seed, start: this.ctx.clock.start, scope: this.ctx.timeline };
    const trust = await Promise.all(PREINSTALLED_TRUST.map(async (c) => (await labCa(ref, c)).certPem));
    const r = await this.fabric.connectTls(
      this.name,
      { host: this.decl.via, port: this.decl.port },
      { trust, servername: this.decl.via },
      (h) =>
        h.chainError
          ? {
              accepted: false,
              reason: `the Expressway-E certificate is not signed by a CA in the phone's pre-installed trust list (${verifyErrorText(h.chainError)})`,
              alert: alertForVerifyError(h.chainError),
            }
          : { accepted: true, reason: "signed by a CA in the phone's pre-installed trust list" },
    );
    if (r.ok) return ok(r.value.socket);
    return err({ code: r.error.code, message: r.error.verdict?.reason ?? r.error.message });
  }

  async #get(requests: JabberRequest[], step: string, path: string): Promise<HttpAnswer | Error> {
    const url = `https://${this.decl.via}:${this.decl.port}${path}`;
    const stream = await this.#open();
    const a = stream.ok
      ? await httpGetOver(stream.value, `${this.decl.via}:${this.decl.port}`, path)
      : new Error(stream.error.message);
    if (stream.ok) stream.value.destroy();
    requests.push(
      a instanceof Error
        ? { step, url, status: null, reason: null, error: a.message }
        : { step, url, status: a.status, reason: a.reason, error: null },
    );
    return a;
  }

  #outcome(
    requests: JabberRequest[],
    r: Result<{ configFile: string; configBytes: number }, UclabError>,
  ): Result<{ configFile: string; configBytes: number }, UclabError> {
    if (!r.ok) {
      this.log('phone', `MRA: ${r.error.message}`, 'error');
      this.log('phone', MRA_PHONE_FAILED, 'error');
    } else {
      this.log('phone', `MRA: ${r.value.configFile} received (${r.value.configBytes} bytes)`);
    }
    this.emit('mra-phone.provision', {
      deviceName: this.deviceName,
      model: this.decl.model,
      via: this.decl.via,
      outcome: r.ok ? 'provisioned' : 'failed',
      shown: r.ok ? `Provisioned over MRA (${r.value.configFile})` : MRA_PHONE_FAILED,
      reason: r.ok ? null : r.error.message,
      requests,
    });
    return r;
  }

  /** Provisions over MRA: edge configuration, then the phone's configuration file over 6972. */
  async provision(): Promise<Result<{ configFile: string; configBytes: number }, UclabError>> {
    const d = this.decl;
    const requests: JabberRequest[] = [];
    const fail = (step: string, why: string) =>
      this.#outcome(requests, err({ code: 'mra-phone.failed', message: `${step}: ${why}` }));
    this.log('phone', `MRA: connecting to ${d.via}:${d.port} for ${d.domain}`);
    const edgeStep = 'get_edge_config';
    const edge = await this.#get(
      requests,
      edgeStep,
      `/${encodeDomain(d.domain)}/get_edge_config?service_name=_cisco-phone-tftp&service_name=_cisco-uds`,
    );
    if (edge instanceof Error) return fail(edgeStep, edge.message);
    if (edge.status !== 200) return fail(edgeStep, `HTTP ${edge.status} ${edge.reason}`);
    const tftp = /<name>tftpServer<\/name><server><address>([^<]+)<\/address>/.exec(
      edge.body.toString('utf8'),
    )?.[1];
    if (!tftp) return fail(edgeStep, 'no TFTP server in the edge configuration');
    const configFile = `${this.deviceName}.cnf.xml`;
    const config = await this.#get(
      requests,
      configFile,
      mraPath({ domain: d.domain, scheme: 'https', host: tftp, port: 6972 }, `/${configFile}`),
    );
    if (config instanceof Error) return fail(configFile, config.message);
    if (config.status !== 200) return fail(configFile, `HTTP ${config.status} ${config.reason}`);
    return this.#outcome(requests, ok({ configFile, configBytes: config.body.length }));
  }
}
