/** A tiny PKI made with the openssl CLI, for tests of the lab machinery that must not depend on certs/. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PemPair {
  certPem: string;
  keyPem: string;
  certFile: string;
  keyFile: string;
}

export interface TestPki {
  dir: string;
  ca: PemPair;
  otherCa: PemPair;
  leaf(name: string, opts?: { san?: string; days?: number; otherCa?: boolean; expired?: boolean }): PemPair;
}

function ossl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

function run(cmd: string[], args: string[], cwd: string): void {
  const [head, ...rest] = cmd;
  execFileSync(head as string, [...rest, ...args], { cwd, stdio: 'pipe' });
}

function pair(dir: string, name: string): PemPair {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return {
    certFile,
    keyFile,
    certPem: readFileSync(certFile, 'utf8'),
    keyPem: readFileSync(keyFile, 'utf8'),
  };
}

function makeCa(dir: string, name: string): PemPair {
  ossl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '30',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  return pair(dir, name);
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'uclab-pki-'));
  const ca = makeCa(dir, 'test-ca');
  const otherCa = makeCa(dir, 'other-ca');
  return {
    dir,
    ca,
    otherCa,
    leaf(name, opts = {}) {
      const issuer = opts.otherCa ? 'other-ca' : 'test-ca';
      ossl(
        [
          'req',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-subj',
          `/CN=${name}`,
          '-keyout',
          `${name}.key`,
          '-out',
          `${name}.csr`,
        ],
        dir,
      );
      writeFileSync(
        join(dir, `${name}.ext`),
        `subjectAltName=${opts.san ?? `DNS:${name}`}\nextendedKeyUsage=serverAuth,clientAuth\n`,
      );
      const validity = ['-days', String(opts.days ?? 30)];
      // An expired certificate is issued under a clock moved back three years (libfaketime).
      const prefix = opts.expired ? ['faketime', '-f', '-3y', 'openssl'] : ['openssl'];
      run(
        prefix,
        [
          'x509',
          '-req',
          '-in',
          `${name}.csr`,
          '-CA',
          `${issuer}.crt`,
          '-CAkey',
          `${issuer}.key`,
          '-set_serial',
          String(Math.floor(Math.random() * 1e9)),
          '-extfile',
          `${name}.ext`,
          '-out',
          `${name}.crt`,
          ...validity,
        ],
        dir,
      );
      return pair(dir, name);
    },
  };
}
