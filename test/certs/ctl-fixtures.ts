/**
 * Test fixtures for the trust-file codecs: certificates made in-process (certs/issue.ts) from the
 * committed key pool (certs/key-pool, architecture decision 5), so a codec test spends no time on
 * key generation and needs no peer program. One RSA 3072 key, a size the pool does not hold and the
 * TLV header has no SIGNATUREMODULUS code for, is committed beside this file.
 * (Not a test file; shared by ctl-*, sgn-*, enc-sgn-*, inspect-* and tlv-* tests.)
 */
import { createPrivateKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPkiContext, type Identity, issueCertificate } from '../../certs/issue.ts';
import type { RsaBits } from '../../certs/key-pool/index.ts';

export const OPENSSL = '/usr/bin/openssl';

const FIXTURES = join(import.meta.dirname, 'fixtures');

export interface TestCert {
  readonly cert: X509Certificate;
  readonly key: KeyObject;
  readonly pem: string;
  /** The certificate as a PEM file in the factory's folder (for peer programs). */
  readonly certPath: string;
  /** The identity, for issuing certificates under this one. */
  readonly identity: Identity;
}

/** `/C=PL/O=Cisco Systems, Inc./CN=SAST-ADN4e31f914 ` → attributes, values kept byte for byte. */
function subjectOf(text: string): [string, string][] {
  return text
    .split('/')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new Error(`not an attribute: ${p} in ${text}`);
      return [p.slice(0, eq), p.slice(eq + 1)];
    });
}

/** DER of an IA5String: the value of an nsComment extension, used to tune a certificate's length. */
function ia5(text: string): Uint8Array {
  const body = Buffer.from(text, 'latin1');
  const len =
    body.length < 0x80
      ? [body.length]
      : body.length < 0x100
        ? [0x81, body.length]
        : [0x82, body.length >> 8, body.length & 0xff];
  return Buffer.concat([Buffer.from([0x16, ...len]), body]);
}

const NS_COMMENT = '2.16.840.1.113730.1.13';

export class CertFactory {
  readonly dir = mkdtempSync(join(tmpdir(), 'uclab-certs-'));
  readonly #ctx = createPkiContext({ seed: 'codec-fixtures' });
  #n = 0;

  path(name: string): string {
    return join(this.dir, name);
  }

  /**
   * An RSA key of `bits` from the pool: the same key for every call of a size unless `fresh`, which
   * draws another pool key (distinct while the pool lasts). 3072 bits is the committed fixture key.
   */
  rsaKey(bits: RsaBits | 3072, fresh = false): KeyObject {
    if (bits === 3072) return createPrivateKey(readFileSync(join(FIXTURES, 'rsa-3072.pem')));
    const label = fresh ? `fresh-${this.#n++}` : 'shared';
    return this.#ctx.keys.take({ kind: 'rsa', bits }, label).privateKey;
  }

  ecKey(): KeyObject {
    return this.#ctx.keys.take({ kind: 'ec', curve: 'P-256' }, `ec-${this.#n++}`).privateKey;
  }

  /**
   * A certificate: `subject` in openssl -subj form (`/C=PL/.../CN=x`), `serial` hex, `issuer` another
   * TestCert (self-signed when absent), `ca` for basicConstraints CA:TRUE, `comment` an nsComment to
   * tune the DER length. No other extension: close to the version 1 certificates `openssl req -x509`
   * makes with an empty config, whose lengths the golden tests were first written against.
   */
  async cert(opts: {
    subject: string;
    serial: string;
    bits?: RsaBits | 3072;
    key?: KeyObject;
    issuer?: TestCert;
    ca?: boolean;
    comment?: string;
  }): Promise<TestCert> {
    const key = opts.key ?? this.rsaKey(opts.bits ?? 1024);
    const n = this.#n++;
    const issued = await issueCertificate(
      this.#ctx,
      {
        name: `fixture-${n}`,
        subject: subjectOf(opts.subject),
        privateKey: key,
        serial: opts.serial,
        validity: { notBefore: '-1h', notAfter: '+3650d' },
        basicConstraints: opts.ca ? { ca: true } : null,
        keyUsage: null,
        ski: false,
        aki: false,
        extensions: opts.comment ? [{ oid: NS_COMMENT, value: ia5(opts.comment) }] : [],
      },
      opts.issuer?.identity,
    );
    const certPath = join(this.dir, `cert-${n}.pem`);
    writeFileSync(certPath, issued.certPem);
    return { cert: issued.cert, key, pem: issued.certPem, certPath, identity: issued };
  }

  /** Like `cert`, with an nsComment tuned so that `measure(cert)` equals `target`. */
  async certTuned(
    opts: Parameters<CertFactory['cert']>[0],
    target: number,
    measure: (c: TestCert) => number,
  ): Promise<TestCert> {
    let len = 20;
    for (let i = 0; i < 12; i++) {
      const c = await this.cert({ ...opts, comment: 'x'.repeat(len) });
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
