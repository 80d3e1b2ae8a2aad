/**
 * A phone's state as files (the before/after question of a certificate change): what `uclab phone boot` and `uclab probe itl` read (a held
 * CTL/ITL, a certificate with its key) and what `phone boot --artifacts DIR` keeps of a boot, so that the
 * same phone can boot again later with what it learned. Trust lists are kept as bytes, exactly as
 * received: their MD5 is what the phone's Trust List menu shows (docs/reference/trust-files.md §1.4).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseTrustList, type TrustList, type TrustListKind, trustListFilename } from '../../certs/ctl.ts';
import { type Identity, identityFromPem } from '../../certs/issue.ts';
import type { Phone } from '../../devices/phone/phone.ts';
import type { Artifacts } from '../artifacts.ts';

export type Loaded<T> = { ok: true; value: T } | { ok: false; error: string };

function read(flag: string, path: string): Loaded<Buffer> {
  try {
    return { ok: true, value: readFileSync(path) };
  } catch (e) {
    return {
      ok: false,
      error: `${flag} ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    };
  }
}

/** A CTL or ITL file a phone holds; an error naming the file and the offset when it is not one. */
/** `kind` forces the kind; without it the file's header (its FILENAME, tag 14) names it. */
export function loadHeldTrustList(flag: string, path: string, kind?: TrustListKind): Loaded<TrustList> {
  const bytes = read(flag, path);
  if (!bytes.ok) return bytes;
  const parsed = parseTrustList(new Uint8Array(bytes.value), kind ? { kind } : {});
  if (!parsed.ok)
    return { ok: false, error: `${flag} ${path}: not a ${kind ?? 'CTL/ITL'} file: ${parsed.error.message}` };
  return { ok: true, value: parsed.value };
}

/** A certificate PEM and its private key PEM (`--mic CERT KEY`, `--lsc CERT KEY`), checked to belong together. */
export function loadIdentity(flag: string, name: 'MIC' | 'LSC', files: string[]): Loaded<Identity> {
  if (files.length !== 2) return { ok: false, error: `${flag}: expected a certificate file and a key file` };
  const [certFile, keyFile] = files as [string, string];
  const cert = read(flag, certFile);
  if (!cert.ok) return cert;
  const keyPem = read(flag, keyFile);
  if (!keyPem.ok) return keyPem;
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem.value);
  } catch (e) {
    return { ok: false, error: `${flag} ${keyFile}: not a private key: ${(e as Error).message}` };
  }
  let id: Identity;
  try {
    id = identityFromPem(name, cert.value.toString('utf8'), key);
  } catch (e) {
    return { ok: false, error: `${flag} ${certFile}: not a certificate: ${(e as Error).message}` };
  }
  const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
  if (!spki(id.cert.publicKey).equals(spki(createPublicKey(key))))
    return {
      ok: false,
      error: `${flag}: the key in ${keyFile} is not the key of the certificate in ${certFile}`,
    };
  return { ok: true, value: id };
}

/**
 * What `--artifacts DIR` keeps of one phone's boot, under `phones/<SEP name>/`. The MIC and the LSC the
 * phone itself writes there (devices/phone/phone.ts, capf-step.ts); the lab writes `keys.log` (0600).
 */
export class PhoneStateArtifacts {
  constructor(
    private readonly artifacts: Artifacts,
    private readonly name: string,
  ) {}

  /** The phone's `received` hook: each TFTP file as it came, each config as the phone opened it. */
  readonly received = (what: 'tftp' | 'config', file: string, bytes: Uint8Array): void => {
    this.artifacts.write(`phones/${this.name}/${what}/${file}`, bytes);
  };

  /** After the boot: the trust lists the phone holds, its certificates, the boot report. */
  keep(phone: Phone, report: object): void {
    const dir = `phones/${this.name}`;
    for (const kind of ['CTL', 'ITL'] as const) {
      const held = phone.trust.held(kind);
      if (held) this.artifacts.write(`${dir}/held/${trustListFilename(kind)}`, held.list.bytes);
    }
    for (const [n, id] of [
      ['MIC', phone.mic],
      ['LSC', phone.lsc],
    ] as const) {
      if (!id) continue;
      this.artifacts.write(`${dir}/${n}.pem`, id.certPem);
      this.artifacts.write(`${dir}/${n}.key`, id.keyPem);
    }
    this.artifacts.write(`${dir}/boot-report.json`, `${JSON.stringify(report, null, 2)}\n`);
  }
}
