/** Test support for the CUCM model: a running lab with one node (or a cluster), temp files, certs. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../devices/index.ts';
import { createPkiContext, type Identity, issueCertificate, issueForPublicKey } from '../../certs/issue.ts';
import { ciscoManufacturingFor } from '../../certs/lab-pki.ts';
import { lscProfile, micProfile } from '../../certs/profiles.ts';
import { CucmNodeDevice } from '../../devices/cucm/node.ts';
import { Lab } from '../../emulator/lab.ts';

export const MAC = '001122334455';
export const PHONE = `SEP${MAC}`;

export interface CucmLab {
  lab: Lab;
  pub: CucmNodeDevice;
  dir: string;
  stop(): Promise<void>;
}

export async function startCucmLab(
  name: string,
  pubExtra: Record<string, unknown> = {},
  extraDevices: Record<string, unknown>[] = [],
): Promise<CucmLab> {
  const dir = mkdtempSync(join(tmpdir(), `uclab-${name}-`));
  const lab = await Lab.create({ name, artifactsDir: dir });
  const built = lab.build({
    devices: [
      {
        kind: 'cucm',
        name: 'cucm-pub',
        phones: [
          { name: PHONE, model: 'CP-8861', protocol: 'SCCP', security: 'encrypted' },
          {
            name: 'SEPAABBCCDDEEFF',
            model: 'CP-8861',
            protocol: 'SIP',
            security: 'non-secure',
            line: '1002',
          },
        ],
        ...pubExtra,
      },
      ...extraDevices,
    ],
  });
  if (!built.ok) throw new Error(built.error.message);
  await lab.start();
  const pub = lab.device('cucm-pub', CucmNodeDevice);
  return { lab, pub, dir, stop: () => lab.stop() };
}

/** An LSC for the phone, issued by the node's CAPF certificate (as CAPF would). */
export async function issueLsc(node: CucmNodeDevice, mac = MAC, model = 'CP-8861'): Promise<Identity> {
  const ctx = createPkiContext({ seed: `test-lsc-${mac}` });
  const key = await issueCertificate(ctx, { name: `key-${mac}`, subject: 'CN=key' });
  const capf = node.certs.own('CAPF').identity;
  const cert = await issueForPublicKey(ctx, lscProfile(ctx, { model, mac }), key.cert.publicKey, capf);
  return { ...cert, key: key.key, keyPem: key.keyPem, spec: key.spec, chain: [capf] };
}

/** A MIC from the lab's Cisco Manufacturing CA SHA2 stand-in. */
export async function issueMic(node: CucmNodeDevice, mac = MAC, model = 'CP-8861'): Promise<Identity> {
  const cisco = await ciscoManufacturingFor(node.pkiRef);
  const ctx = createPkiContext({ seed: `test-mic-${mac}`, labStart: new Date(node.pkiRef.start) });
  return issueCertificate(ctx, micProfile(ctx, { model, mac }), cisco.manufacturingCaSha2);
}

/** A certificate from a CA the node does not trust. */
export async function issueUntrusted(mac = MAC, model = 'CP-8861'): Promise<Identity> {
  const ctx = createPkiContext({ seed: `test-untrusted-${mac}` });
  const ca = await issueCertificate(ctx, {
    name: 'rogue-ca',
    subject: 'CN=Rogue CA',
    basicConstraints: { ca: true },
    keyUsage: ['keyCertSign', 'digitalSignature'],
  });
  return issueCertificate(ctx, micProfile(ctx, { model, mac }), ca);
}

export function writeTemp(dir: string, name: string, data: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

/** Resolves when a child's output (so far or later) matches `re`; rejects after `timeoutMs`. */
export function waitOutput(
  peer: { child: import('node:child_process').ChildProcess; output: () => string },
  re: RegExp,
  timeoutMs = 10_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    if (re.test(peer.output())) return resolve(peer.output());
    const on = () => {
      if (re.test(peer.output())) {
        clearTimeout(timer);
        peer.child.stdout?.off('data', on);
        resolve(peer.output());
      }
    };
    const timer = setTimeout(() => {
      peer.child.stdout?.off('data', on);
      reject(new Error(`no ${re} in the output within ${timeoutMs} ms: ${peer.output().slice(-400)}`));
    }, timeoutMs);
    // startPeer's own listener runs first, so output() already holds the chunk here.
    peer.child.stdout?.on('data', on);
  });
}
