/**
 * The Expressway scenarios' shared lab and checks (x14-2-*, x14-0-*, expressway-*, traversal-*,
 * cucm-discovery-*): a CUCM publisher, an Expressway-C that discovers it, an Expressway-E as the MRA
 * edge, and Jabber for emusk. Steps act as the administrator or the user would; checks read the
 * timeline only (the devices' log lines and their `expressway.*` / `jabber.*` events).
 */
import { createPublicKey, type X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signCsr } from '../../certs/csr.ts';
import { createPkiContext, issueCertificate, issueForPublicKey } from '../../certs/issue.ts';
import { toPem } from '../../certs/pem.ts';
import { type CucmUnit, expresswayServerProfile, faults } from '../../certs/profiles.ts';
import { ExpresswayC } from '../../devices/expressway/expressway-c.ts';
import '../../devices/expressway/events.ts';
import { CANNOT_COMMUNICATE, Jabber } from '../../devices/expressway/jabber.ts';
import { type LabCaName, labCa } from '../../devices/expressway/pki.ts';
import { cipherList } from '../../devices/expressway/releases.ts';
import type { EventKind, LabEvent } from '../../emulator/events.ts';
import type { Lab } from '../../emulator/lab.ts';
import { act, type ExpectStep, expectThat, type Step } from '../../emulator/scenario.ts';

export const DOMAIN = 'lab.example';
export const CUCM = 'cucm-pub';
export const CUCM_FQDN = `${CUCM}.${DOMAIN}`;

export interface MraLabOptions {
  release?: 'X14.0' | 'X14.2';
  upgradedFrom?: 'X14.0';
  ciphers?: string;
  processNodeName?: 'fqdn' | 'hostname' | 'ip';
  certificates?: Record<string, unknown>;
  expcTrust?: LabCaName[];
  /** Who signed the Expressway-E certificate (default a public CA, as seed 003 advises). */
  expeSignedBy?: LabCaName;
  /** A CP-8861 provisioning over MRA (SEPB000B4BA0AEE), beside Jabber. */
  mraPhone?: boolean;
}

export const MRA_PHONE = 'phone-8861';
export const MRA_PHONE_NAME = 'SEPB000B4BA0AEE';

/** CUCM publisher, Expressway-C (discovers it), Expressway-E (MRA edge), and Jabber for emusk. */
export function mraLab(o: MraLabOptions) {
  return {
    devices: [
      {
        kind: 'cucm',
        name: CUCM,
        aliases: [CUCM_FQDN],
        domain: DOMAIN,
        release: '14',
        processNodeName: o.processNodeName ?? 'fqdn',
        certificates: o.certificates ?? {},
        phones: o.mraPhone ? [{ name: MRA_PHONE_NAME, model: 'CP-8861', protocol: 'SIP' }] : [],
        users: [{ id: 'emusk', devices: ['CSFEMUSK'] }],
      },
      {
        kind: 'expressway-c',
        name: 'expc',
        aliases: [`expc.${DOMAIN}`],
        domain: DOMAIN,
        release: o.release ?? 'X14.2',
        ...(o.upgradedFrom ? { upgradedFrom: o.upgradedFrom } : {}),
        ...(o.ciphers ? { ciphers: o.ciphers } : {}),
        trust: o.expcTrust ?? ['enterprise-ca'],
        unifiedCm: [{ publisher: CUCM_FQDN, tlsVerify: 'Off' }],
      },
      {
        kind: 'expressway-e',
        name: 'expe',
        aliases: [`expe.${DOMAIN}`],
        domain: DOMAIN,
        certificate: { signedBy: o.expeSignedBy ?? 'public-ca' },
        mra: { expresswayC: 'expc' },
      },
      { kind: 'jabber', name: 'jabber-emusk', user: 'emusk', domain: DOMAIN, via: `expe.${DOMAIN}` },
      ...(o.mraPhone
        ? [
            {
              kind: 'mra-phone',
              name: MRA_PHONE,
              mac: MRA_PHONE_NAME.slice(3),
              domain: DOMAIN,
              via: `expe.${DOMAIN}`,
            },
          ]
        : []),
    ],
  };
}

/** The Expressway-C, for admin actions (`exec`, uploads, discovery, the secure traversal test). */
export function expc(lab: Lab): ExpresswayC {
  return lab.device('expc', ExpresswayC);
}

/** The latest event of `kind` from `device`, if any. */
export function lastEvent<K extends EventKind>(lab: Lab, kind: K, device: string): LabEvent<K> | undefined {
  return lab.timeline.ofKind(kind, device).at(-1);
}

/** A device's lab address, as the timeline recorded it when the device opened its first listener. */
export function addressOf(lab: Lab, device: string): string {
  return lab.timeline.ofKind('net.listen', device)[0]?.endpoint.address ?? `(${device} listens nowhere)`;
}

export function jabberSignsIn(): Step {
  return act(
    'emusk signs in to Jabber from outside (MRA)',
    'Jabber asks Expressway for the edge configuration, then its devices from UDS on 8443 and its configuration file over 6972, each request proxied by the Expressway-C traffic server.',
    async (lab) => {
      await lab.device('jabber-emusk', Jabber).login();
    },
  );
}

export function expectSignIn(ok: boolean, explain: string): ExpectStep {
  return expectThat(
    ok ? 'Jabber signs in' : 'Jabber sign-in fails: "Cannot communicate with the server."',
    explain,
    async (lab) => {
      const e = lastEvent(lab, 'jabber.sign-in', 'jabber-emusk');
      if (!e) return { held: false, saw: 'Jabber did not try to sign in' };
      const held = ok ? e.outcome === 'signed-in' : e.outcome === 'failed' && e.shown === CANNOT_COMMUNICATE;
      return { held, saw: e.shown };
    },
  );
}

/** An exact traffic_server line (of `on`, default expc) in which `{ip}` stands for the CUCM node's address. */
export function expectTrafficLine(template: string, explain: string, node = CUCM, on = 'expc'): ExpectStep {
  const step = expectThat(`${on} traffic_server logs "${template}"`, explain, async (lab) => {
    const want = template.replaceAll('{ip}', addressOf(lab, node));
    const lines = lab.timeline.logLines(on);
    const hit = lines.find((l) => l.includes(want));
    return { held: hit !== undefined, saw: hit ?? `no such line; last: ${lines.slice(-2).join(' | ')}` };
  });
  // The checked text, with any address for `{ip}`: what the catalogue page reads to count seed wording
  // (emulator/fidelity/pattern-fidelity.ts), and what makes the run mark the line it saw.
  const escaped = template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { ...step, pattern: new RegExp(escaped.replaceAll('\\{ip\\}', String.raw`\d+\.\d+\.\d+\.\d+`)) };
}

export function expectNoTrafficLine(fragment: string, explain: string, on = 'expc'): ExpectStep {
  return expectThat(`${on} traffic_server never logs "${fragment}"`, explain, async (lab) => {
    const hit = lab.timeline.logLines(on).find((l) => l.includes(fragment));
    return { held: hit === undefined, saw: hit ?? 'no such line' };
  });
}

/**
 * What an administrator does by hand between the boxes: download the certificate a server presents
 * (as `openssl s_client -showcerts` from the Expressway-C's address would), with the cipher preference
 * that decides which of tomcat / tomcat-ECDSA comes back.
 */
export async function downloadPresentedCertificate(
  lab: Lab,
  fromDevice: string,
  target: { host: string; port: number },
  preference: 'rsa' | 'ecdsa' = 'ecdsa',
): Promise<string | null> {
  let leaf: X509Certificate | null = null;
  const r = await lab.fabric.connectTls(
    fromDevice,
    target,
    { ciphers: cipherList(preference), maxVersion: 'TLSv1.2', servername: false },
    (h) => {
      leaf = h.peerChain[0] ?? null;
      // Only looking: close politely whatever it is.
      return { accepted: true, reason: 'certificate download' };
    },
  );
  if (r.ok) r.value.socket.destroy();
  const got = leaf as X509Certificate | null;
  return got ? toPem(got.raw, 'CERTIFICATE') : null;
}

/** The CUCM admin CLI (`show cert own tomcat`); the command and its output land on the timeline. */
export async function cucmExec(lab: Lab, command: string, node = CUCM): Promise<string> {
  const d = lab.device(node) as unknown as { exec?: (c: string) => Promise<string> };
  if (typeof d.exec !== 'function') throw new Error(`${node} has no admin CLI`);
  return d.exec(command);
}

/** The first PEM certificate in a command's output (`show cert own <unit>`), or null. */
export function pemIn(text: string): string | null {
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
  return pem ? `${pem}\n` : null;
}

/** The output the CUCM administrator saw for `command` (its latest run), from the timeline. */
export function cucmOutput(lab: Lab, command: string, node = CUCM): string | null {
  const e = lab.timeline
    .ofKind('cucm.admin', node)
    .filter((x) => x.command === command)
    .at(-1);
  return e ? e.output : null;
}

/** A lab CA's certificate, as its administrator hands it out (the outside world: no device is read). */
export async function caCertificate(lab: Lab, ca: LabCaName): Promise<string> {
  return (await labCa({ seed: lab.seed, start: lab.clock.start, scope: lab.timeline }, ca)).certPem;
}

interface CucmCertAdmin {
  generateCsr(
    unit: CucmUnit,
  ): Promise<{ ok: true; value: { csrPem: string } } | { ok: false; error: { message: string } }>;
  uploadCaSigned(
    unit: CucmUnit,
    certPem: string,
    chainPem?: string,
  ): Promise<{ ok: true } | { ok: false; error: { message: string } }>;
}

/**
 * The CUCM administrator has a certificate CA-signed (seed 003 "HOW to get them"): Generate CSR for
 * `unit` on `node`, the CA signs it (EKU server and client, as the CA requirements ask), then Upload
 * Certificate/Certificate chain with the CA certificate (it lands in the unit's -trust store first).
 */
export async function caSignCucmCertificate(
  lab: Lab,
  node: string,
  unit: CucmUnit,
  ca: LabCaName,
): Promise<void> {
  const cucm = lab.device(node) as unknown as CucmCertAdmin;
  const csr = await cucm.generateCsr(unit);
  if (!csr.ok) throw new Error(csr.error.message);
  const caIdentity = await labCa({ seed: lab.seed, start: lab.clock.start, scope: lab.timeline }, ca);
  const ecdsa = unit.endsWith('ECDSA');
  const signed = await signCsr(
    createPkiContext({ seed: `${lab.seed}/${ca}/signing`, labStart: new Date(lab.clock.start) }),
    csr.value.csrPem,
    caIdentity,
    {
      name: `${node}/${unit}@${ca}`,
      hash: ecdsa ? 'SHA-384' : 'SHA-256',
      validity: { notBefore: '-1h', notAfter: '+2y' },
      basicConstraints: { ca: false, critical: true },
      keyUsage: ecdsa ? ['digitalSignature', 'keyAgreement'] : ['digitalSignature', 'keyEncipherment'],
      extKeyUsage: ['serverAuth', 'clientAuth'],
    },
  );
  const up = await cucm.uploadCaSigned(unit, signed.certPem, caIdentity.certPem);
  if (!up.ok) throw new Error(up.error.message);
}

/**
 * An RSA 8192 key, as an externally requested certificate of seed 003 has it ("a 8192 bit key length -
 * this is not supported", line 413). Made once with `openssl genpkey` (40 s: never at run time).
 */
const RSA_8192_FILE = join(import.meta.dirname, 'keys', 'rsa-8192.pem');

export interface ExternalCertOptions {
  /** The FQDN it is for. */
  cn: string;
  key: 'rsa2048' | 'rsa8192';
  /** `*.<domain>` as CN and SAN. */
  wildcard?: boolean;
}

/**
 * A server certificate requested outside the Expressway (seed 003 "External CSR": "the private key
 * will need to be uploaded together with the certificate") and signed by the enterprise CA, with its
 * private key file as the administrator received it.
 */
export async function externallyRequestedCertificate(
  lab: Lab,
  o: ExternalCertOptions,
): Promise<{ certPem: string; keyPem: string }> {
  const ctx = createPkiContext({ seed: `${lab.seed}/external-csr`, labStart: new Date(lab.clock.start) });
  const base = expresswayServerProfile({ name: `external/${o.cn}/${o.key}`, cn: o.cn });
  const domain = o.cn.slice(o.cn.indexOf('.') + 1);
  const profile = o.wildcard ? faults.wildcard(base, domain) : base;
  const ca = await labCa({ seed: lab.seed, start: lab.clock.start, scope: lab.timeline }, 'enterprise-ca');
  if (o.key === 'rsa8192') {
    // The lab's key pool stops at 4096 bits: certify the public half of the committed key.
    const keyPem = readFileSync(RSA_8192_FILE, 'utf8');
    const cert = await issueForPublicKey(ctx, profile, createPublicKey(keyPem), ca);
    return { certPem: cert.certPem, keyPem };
  }
  const id = await issueCertificate(ctx, profile, ca);
  return { certPem: id.certPem, keyPem: id.keyPem };
}
