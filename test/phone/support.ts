/**
 * Test support for the phone model.
 *
 * - `phoneWithCucm`: a lab with the real CUCM model (devices/cucm/) and one phone configured on it: the
 *   default for phone tests, so the phone meets the files, TLS and signalling CUCM really produces.
 * - `MiniCucm`: a small stand-in built only from the fabric and the protocol codecs (TFTP serving the
 *   files a test crafts, TVS on 2445 answering what a test says, SCCP on 2000/2443). Only for what
 *   the real model cannot be made to do: hand-made trust files (an unknown or corrupt signer, a TVS
 *   record that differs), a CallManager port that stays closed, keepalives left unanswered, a backup
 *   CallManager in the group.
 */
import type { X509Certificate } from 'node:crypto';
import { ciscoIssuer, serialBytes } from '../../certs/cisco-dn.ts';
import { buildTrustList, Role, recordFromCertificate, sameDn, type TrustRecord } from '../../certs/ctl.ts';
import { createPkiContext, type Identity, issueCertificate, type PkiContext } from '../../certs/issue.ts';
import { buildPhoneConfig, type DeviceSecurityMode, defaultPhoneConfig } from '../../certs/phone-config.ts';
import { type CucmNode, cucmSelfSigned, sastTokenProfile } from '../../certs/profiles.ts';
import { buildSgn } from '../../certs/sgn.ts';
import { ciscoManufacturingFor } from '../../devices/phone/manufacturing.ts';
import { encodeSccp, sccpFramer } from '../../devices/protocols/sccp.ts';
import { startTftpServer } from '../../devices/protocols/tftp/server.ts';
import { encodeTvs, tvsFramer } from '../../devices/protocols/tvs.ts';
import '../../devices/index.ts';
import type { CucmNodeDevice } from '../../devices/cucm/node.ts';
import { Phone } from '../../devices/phone/phone.ts';
import { Device, type DeviceDescription } from '../../emulator/device.ts';
import type { LabEvent } from '../../emulator/events.ts';
import type { Connection, Listener } from '../../emulator/fabric.ts';
import { Lab } from '../../emulator/lab.ts';
import { err, ok, unwrap } from '../../emulator/result.ts';

export interface PhoneUnderTest {
  mac: string;
  model: string;
  firmware: string;
  protocol: 'SCCP' | 'SIP';
  security: 'non-secure' | 'authenticated' | 'encrypted';
  line?: string;
  timers?: Record<string, number>;
}

/**
 * A lab of the CUCM model (`cucm-pub`, options in `cucm`: release, mixedMode, certificates, ...) with
 * one phone configured on it and declared beside it, not booted yet. The lab is stopped by `stop`.
 */
export async function phoneWithCucm(
  name: string,
  p: PhoneUnderTest,
  cucm: Record<string, unknown> = {},
): Promise<{ lab: Lab; cucm: CucmNodeDevice; phone: Phone; stop: () => Promise<void> }> {
  const lab = await Lab.create({ name, seed: name });
  const built = lab.build({
    devices: [
      {
        kind: 'cucm',
        name: 'cucm-pub',
        aliases: ['cucm-pub.lab.example'],
        phones: [
          {
            name: `SEP${p.mac}`,
            model: p.model,
            protocol: p.protocol,
            security: p.security,
            ...(p.line ? { line: p.line } : {}),
          },
        ],
        ...cucm,
      },
      {
        kind: 'phone',
        name: `SEP${p.mac}`,
        mac: p.mac,
        model: p.model,
        firmware: p.firmware,
        tftp: 'cucm-pub',
        autoBoot: false,
        ...(p.line ? { line: p.line } : {}),
        timers: { tftpTimeoutMs: 300, tftpRetries: 1, ...p.timers },
      },
    ],
  });
  if (!built.ok) {
    await lab.stop();
    throw new Error(built.error.message);
  }
  await lab.start();
  return {
    lab,
    cucm: lab.device('cucm-pub') as CucmNodeDevice,
    phone: lab.device(`SEP${p.mac}`, Phone),
    stop: () => lab.stop(),
  };
}

/** The status messages a phone showed (log events with source `status`), from `since` on. */
export function statusShown(lab: Lab, device: string, since = 0): string[] {
  return lab.timeline
    .ofKind('log', device)
    .filter((e: LabEvent<'log'>) => e.seq > since && e.source === 'status')
    .map((e) => e.text);
}

export interface MiniPki {
  ctx: PkiContext;
  node: CucmNode;
  callManager: Identity;
  itlRecovery: Identity;
  tvs: Identity;
  capf: Identity;
  etokens: Identity[];
}

export async function miniPki(lab: Lab, host: string): Promise<MiniPki> {
  const ctx = createPkiContext({ seed: `${lab.seed}/mini-${host}`, labStart: new Date(lab.clock.start) });
  const node: CucmNode = { host, domain: 'lab.example', ou: 'TAC', o: 'Lab', c: 'PL' };
  const issue = async (unit: 'CallManager' | 'ITLRecovery' | 'TVS' | 'CAPF') =>
    issueCertificate(ctx, cucmSelfSigned(ctx, node, unit));
  const m = await ciscoManufacturingFor({ seed: lab.seed, start: lab.clock.start, scope: lab.timeline });
  const etokens = [
    await issueCertificate(ctx, sastTokenProfile(ctx, 1), m.manufacturingCa),
    await issueCertificate(ctx, sastTokenProfile(ctx, 2), m.manufacturingCa),
  ];
  return {
    ctx,
    node,
    callManager: await issue('CallManager'),
    itlRecovery: await issue('ITLRecovery'),
    tvs: await issue('TVS'),
    capf: await issue('CAPF'),
    etokens,
  };
}

export class MiniCucm extends Device {
  readonly kind = 'mini-cucm';
  readonly files = new Map<string, Buffer>();
  /** Certificates TVS vouches for, with their roles. */
  readonly tvsKnows: { cert: X509Certificate; der: Buffer; roles: number[] }[] = [];
  tvsIdentity: Identity | null = null;
  ccmIdentity: Identity | null = null;
  registrations = 0;
  /** Answer SCCP KeepAlive with KeepAliveAck (a CallManager that stops answering: false). */
  ackKeepAlives = true;
  readonly #sockets = new Set<Connection['socket']>();
  #sccpListener: Listener | null = null;

  override async start(): Promise<void> {
    await startTftpServer({
      bind: (p) => this.fabric.bindUdp(this.name, p),
      port: this.fabric.tftpPort(),
      resolve: async (f) => {
        const b = this.files.get(f);
        return b ? ok(b) : err({ tftpCode: 1, message: 'File not found' });
      },
    });
    if (this.tvsIdentity) {
      await this.fabric.listenTls(
        this.name,
        2445,
        {
          identities: [{ certPem: this.tvsIdentity.certPem, keyPem: this.tvsIdentity.keyPem }],
          minVersion: 'TLSv1',
          ciphers: 'DEFAULT:@SECLEVEL=0',
        },
        { onConnection: (c) => this.#tvs(c) },
      );
    }
    await this.listenSccp();
    if (this.ccmIdentity) {
      await this.fabric.listenTls(
        this.name,
        2443,
        {
          identities: [{ certPem: this.ccmIdentity.certPem, keyPem: this.ccmIdentity.keyPem }],
          requestCert: true,
          minVersion: 'TLSv1',
          ciphers: 'DEFAULT:NULL-SHA:@SECLEVEL=0',
        },
        { onConnection: (c) => this.#sccp(c) },
      );
    }
  }

  /** Opens SCCP on TCP 2000. */
  async listenSccp(): Promise<void> {
    this.#sccpListener = await this.fabric.listenTcp(this.name, 2000, (c) => this.#sccp(c));
  }

  /** A CallManager service stop: the SCCP port closes and every registration connection is dropped. */
  async stopSccp(): Promise<void> {
    const l = this.#sccpListener;
    this.#sccpListener = null;
    this.dropRegistrations();
    await l?.close();
  }

  /** Closes every registration connection from this end. */
  dropRegistrations(): void {
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
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

  #tvs(c: Connection): void {
    const framer = tvsFramer();
    c.socket.on('error', () => {});
    c.socket.on('data', (chunk: Buffer) => {
      for (const r of framer.push(chunk)) {
        if (!r.ok || r.value.type !== 'QUERY_CERT_REQ') continue;
        const q = r.value;
        const hit = this.tvsKnows.find(
          (k) => Buffer.from(serialBytes(k.cert)).equals(q.serial) && sameDn(ciscoIssuer(k.cert), q.issuer),
        );
        c.socket.write(
          encodeTvs(
            hit
              ? {
                  type: 'QUERY_CERT_RES',
                  sessionId: q.sessionId,
                  status: 0,
                  certificate: hit.der,
                  roles: hit.roles,
                  ttl: 86400,
                }
              : { type: 'QUERY_CERT_RES', sessionId: q.sessionId, status: 1, roles: [], ttl: 0 },
          ),
        );
      }
    });
  }

  #sccp(c: Connection): void {
    const framer = sccpFramer();
    this.#sockets.add(c.socket);
    c.socket.once('close', () => this.#sockets.delete(c.socket));
    c.socket.on('error', () => {});
    c.socket.on('data', (chunk: Buffer) => {
      for (const r of framer.push(chunk)) {
        if (!r.ok) continue;
        if (r.value.message.type === 'KeepAlive' && this.ackKeepAlives) {
          c.socket.write(encodeSccp({ type: 'KeepAliveAck' }));
        }
        if (r.value.message.type === 'Register') {
          this.registrations++;
          c.socket.write(
            encodeSccp({
              type: 'RegisterAck',
              ack: {
                keepAliveInterval: 30,
                dateTemplate: 'M/D/YA',
                secondaryKeepAliveInterval: 60,
                protocolVersion: 17,
              },
            }),
          );
        }
      }
    });
  }
}

export function itlRecords(p: MiniPki, opts: { withCapf?: boolean } = {}): TrustRecord[] {
  return [
    recordFromCertificate(p.itlRecovery.cert, Role.SAST),
    recordFromCertificate(p.callManager.cert, Role.TFTP, { dnsName: p.node.host }),
    recordFromCertificate(p.tvs.cert, Role.TVS, { dnsName: p.node.host }),
    ...(opts.withCapf === false ? [] : [recordFromCertificate(p.capf.cert, Role.CAPF)]),
  ];
}

export function buildItl(p: MiniPki, signer: Identity = p.itlRecovery, records = itlRecords(p)): Buffer {
  return Buffer.from(
    unwrap(
      buildTrustList({
        kind: 'ITL',
        signer: { cert: signer.cert, key: signer.key },
        timestamp: 1_700_000_000,
        records,
      }),
    ),
  );
}

export function buildCtl(
  p: MiniPki,
  tftpAddress: string,
  signer: Identity = p.etokens[0] as Identity,
  cm: Identity = p.callManager,
): Buffer {
  const records = [
    ...p.etokens.map((t) => recordFromCertificate(t.cert, Role.SAST, { etoken: true, dnStyle: 'etoken' })),
    recordFromCertificate(cm.cert, Role.CCM_TFTP, { dnsName: p.node.host, ipAddress: tftpAddress }),
    recordFromCertificate(p.itlRecovery.cert, Role.SAST),
    recordFromCertificate(p.capf.cert, Role.CAPF),
  ];
  return Buffer.from(
    unwrap(
      buildTrustList({
        kind: 'CTL',
        signer: { cert: signer.cert, key: signer.key, name: undefined },
        timestamp: 1_700_000_000,
        records,
      }),
    ),
  );
}

export function buildSignedConfig(
  p: MiniPki,
  mac: string,
  opts: { protocol: 'SCCP' | 'SIP'; mode?: DeviceSecurityMode; cm: string; signer?: Identity },
): Buffer {
  const xml = buildPhoneConfig(
    defaultPhoneConfig({
      protocol: opts.protocol,
      callManagers: [opts.cm],
      deviceSecurityMode: opts.mode ?? 1,
      lines: ['1001'],
    }),
  );
  const signer = opts.signer ?? p.callManager;
  return Buffer.from(
    unwrap(
      buildSgn({
        signer: { cert: signer.cert, key: signer.key },
        payload: xml,
        filename: `SEP${mac}.cnf.xml.sgn`,
        timestamp: 1_700_000_000,
      }),
    ).bytes,
  );
}

export function plainConfig(
  mac: string,
  opts: { protocol: 'SCCP' | 'SIP'; cm: string; backups?: string[] },
): Buffer {
  void mac;
  return Buffer.from(
    buildPhoneConfig(
      defaultPhoneConfig({
        protocol: opts.protocol,
        callManagers: [opts.cm, ...(opts.backups ?? [])],
        lines: ['1001'],
      }),
    ),
  );
}
