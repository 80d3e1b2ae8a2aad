/**
 * Test-only stand-in for a CUCM node: just Tomcat (devices/cucm/tomcat.ts) with tomcat / tomcat-ECDSA
 * identities as the test asks, so the Expressway models can be tested before and apart from the CUCM model.
 */
import { z } from 'zod';
import { createPkiContext, type Identity, issueCertificate } from '../../certs/issue.ts';
import { enterpriseCaFor } from '../../certs/lab-pki.ts';
import { type CucmNode, cucmCaSigningProfile, cucmSelfSigned } from '../../certs/profiles.ts';
import { startTomcat, type Tomcat } from '../../devices/cucm/tomcat.ts';
import { Device, type DeviceContext, type DeviceDescription } from '../../emulator/device.ts';
import { baseDeviceDecl, deviceKind, registerDeviceKind } from '../../emulator/device-registry.ts';
import { ok } from '../../emulator/result.ts';

const decl = baseDeviceDecl.extend({
  kind: z.literal('test-cucm-tomcat'),
  domain: z.string(),
  rsa: z.enum(['self', 'enterprise-ca']).default('enterprise-ca'),
  ecdsa: z.enum(['self', 'enterprise-ca', 'none']).default('self'),
  ipSan: z.boolean().default(false),
  advertise: z.enum(['fqdn', 'ip']).default('fqdn'),
  cipherSelection8443: z.enum(['client', 'server']).default('server'),
  users: z.array(z.object({ id: z.string(), devices: z.array(z.string()) })).default([]),
});
type Decl = z.infer<typeof decl>;

export class FakeCucm extends Device {
  readonly kind = 'test-cucm-tomcat';
  tomcat: Tomcat | null = null;
  ids: { tomcat: Identity; ecdsa: Identity | null } | null = null;
  constructor(
    readonly decl: Decl,
    ctx: DeviceContext,
  ) {
    super(decl.name, ctx, decl.aliases);
  }
  get fqdn(): string {
    return `${this.name}.${this.decl.domain}`;
  }
  async start(): Promise<void> {
    const ref = { seed: this.ctx.seed, start: this.ctx.clock.start };
    const ctx = createPkiContext({
      seed: `${this.ctx.seed}/fake/${this.name}`,
      labStart: new Date(ref.start),
    });
    const node: CucmNode = {
      host: this.name,
      domain: this.decl.domain,
      ...(this.decl.ipSan ? { ipSans: [this.address] } : {}),
    };
    const ca = await enterpriseCaFor(ref);
    const issue = async (unit: 'tomcat' | 'tomcat-ECDSA', how: 'self' | 'enterprise-ca') => {
      const self = cucmSelfSigned(ctx, node, unit);
      if (how === 'self') return issueCertificate(ctx, self);
      const signing = cucmCaSigningProfile(node, unit);
      return issueCertificate(
        ctx,
        { ...self, ...signing, name: `${self.name}@ca`, subject: self.subject, san: self.san },
        ca,
      );
    };
    const tomcat = await issue('tomcat', this.decl.rsa);
    const ecdsa = this.decl.ecdsa === 'none' ? null : await issue('tomcat-ECDSA', this.decl.ecdsa);
    this.ids = { tomcat, ecdsa };
    const advertised = this.decl.advertise === 'ip' ? this.address : this.fqdn;
    this.tomcat = await startTomcat(this.fabric, this.name, {
      identities: { tomcat, 'tomcat-ECDSA': ecdsa },
      users: this.decl.users,
      servers: () => [advertised],
      hostName: advertised,
      cipherSelection: { '8443': this.decl.cipherSelection8443 },
      resolveFile: (f) =>
        /^CSF.*\.cnf\.xml$/i.test(f)
          ? ok(
              Buffer.from(
                `<?xml version="1.0"?><device><deviceProtocol>SIP</deviceProtocol><name>${f}</name></device>`,
              ),
            )
          : { ok: false, error: { status: 404, message: 'Not Found' } },
      log: (s, t, l) => this.log(s, t, l),
    });
  }
  describe(): DeviceDescription {
    return {
      name: this.name,
      kind: this.kind,
      address: this.address,
      aliases: this.aliases,
      ports: [],
      certificates: [],
    };
  }
}

if (!deviceKind('test-cucm-tomcat')) {
  registerDeviceKind<Decl>({
    kind: 'test-cucm-tomcat',
    summary: 'test-only CUCM Tomcat',
    schema: decl as unknown as z.ZodType<Decl>,
    create: (d, ctx) => new FakeCucm(d, ctx),
  });
}
