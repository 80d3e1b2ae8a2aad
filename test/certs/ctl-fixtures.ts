/**
 * Test fixtures for the trust-file codecs: real certificates made with the openssl CLI in a temp dir.
 * (Not a test file; shared by ctl-*, sgn-*, enc-sgn-*, inspect-* tests.)
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OPENSSL = '/usr/bin/openssl';

export interface TestCert {
  readonly cert: X509Certificate;
  readonly key: KeyObject;
  readonly certPath: string;
  readonly keyPath: string;
  readonly pem: string;
}

export class CertFactory {
  readonly dir = mkdtempSync(join(tmpdir(), 'uclab-certs-'));
  private n = 0;
  private readonly keys = new Map<number, string>();
  private readonly cnf: string;

  constructor() {
    this.cnf = join(this.dir, 'req.cnf');
    writeFileSync(this.cnf, '[req]\ndistinguished_name=dn\n[dn]\n');
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** A fresh RSA key file of `bits` (one per size and factory unless `fresh`). */
  rsaKey(bits: number, fresh = false): string {
    const cached = this.keys.get(bits);
    if (cached && !fresh) return cached;
    const p = join(this.dir, `key-${bits}-${this.n++}.pem`);
    execFileSync(OPENSSL, ['genrsa', '-out', p, String(bits)], { stdio: 'pipe' });
    if (!fresh) this.keys.set(bits, p);
    return p;
  }

  ecKey(): string {
    const p = join(this.dir, `ec-${this.n++}.pem`);
    execFileSync(OPENSSL, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', p], {
      stdio: 'pipe',
    });
    return p;
  }

  /**
   * A certificate. `subject` in openssl -subj form (`/C=PL/.../CN=x`), `serial` hex, `issuer` another
   * TestCert (self-signed when absent), `comment` an nsComment to tune the DER length.
   */
  cert(opts: {
    subject: string;
    serial: string;
    bits?: number;
    keyPath?: string;
    issuer?: TestCert;
    comment?: string;
  }): TestCert {
    const keyPath = opts.keyPath ?? this.rsaKey(opts.bits ?? 1024);
    const certPath = join(this.dir, `cert-${this.n++}.pem`);
    const args = ['req', '-config', this.cnf, '-x509', '-new', '-key', keyPath, '-subj', opts.subject];
    args.push('-set_serial', `0x${opts.serial}`, '-days', '3650', '-sha256', '-out', certPath);
    if (opts.issuer) args.push('-CA', opts.issuer.certPath, '-CAkey', opts.issuer.keyPath);
    if (opts.comment) args.push('-addext', `nsComment=${opts.comment}`);
    execFileSync(OPENSSL, args, { stdio: 'pipe' });
    const pem = readFileSync(certPath, 'utf8');
    return {
      cert: new X509Certificate(pem),
      key: createPrivateKey(readFileSync(keyPath)),
      certPath,
      keyPath,
      pem,
    };
  }

  /** Like `cert`, with an nsComment tuned so that `measure(cert)` equals `target`. */
  certTuned(
    opts: Parameters<CertFactory['cert']>[0],
    target: number,
    measure: (c: TestCert) => number,
  ): TestCert {
    let len = 20;
    for (let i = 0; i < 12; i++) {
      const c = this.cert({ ...opts, comment: 'x'.repeat(len) });
      const got = measure(c);
      if (got === target) return c;
      len = Math.max(1, len + (target - got) + (i > 4 ? (i % 2 ? 1 : -1) : 0));
    }
    throw new Error(`cannot tune a certificate to ${target}`);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The TAC-118893 publisher: DN of 61 characters (62 with the NUL), serial of 16 bytes. */
export const PUB_SUBJECT = '/C=PL/ST=Malopolska/L=Krakow/O=Cisco/OU=TAC/CN=cucm-1051-a-pub';
export const PUB_SERIAL = '70CAF64E090751B9DF22F49F754FC5BB';
export const MAC = '001122334455';
