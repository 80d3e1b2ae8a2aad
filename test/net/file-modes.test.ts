import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Artifacts } from '../../emulator/artifacts.ts';
import { KeyLog } from '../../emulator/net/keylog.ts';
import { makeTestPki } from '../support/openssl-pki.ts';
import { newLab } from './support.ts';

const pki = makeTestPki();
const server = pki.leaf('cucm.lab');

const modeOf = (p: string) => statSync(p).mode & 0o777;

describe('files a user can trust', () => {
  it('private keys are written 0600 and every folder the artifacts create 0700', () => {
    const root = join(mkdtempSync(join(tmpdir(), 'uclab-modes-')), 'run');
    const a = new Artifacts(root);
    a.write('pki/cucm-pub/own/CallManager.key', server.keyPem);
    a.write('pki/cucm-pub/own/CallManager.pem', server.certPem);
    expect(modeOf(join(root, 'pki/cucm-pub/own/CallManager.key'))).toBe(0o600);
    for (const d of ['', 'pki', 'pki/cucm-pub', 'pki/cucm-pub/own'])
      expect(modeOf(join(root, d))).toBe(0o700);
  });

  it('a private key under another name is 0600 too', () => {
    const a = new Artifacts(mkdtempSync(join(tmpdir(), 'uclab-modes-')));
    const path = a.write('phones/SEP001122334455/bundle.pem', `${server.certPem}${server.keyPem}`);
    expect(modeOf(path as string)).toBe(0o600);
  });

  it('a key an earlier run left 0644 is made 0600 when written again', () => {
    const root = mkdtempSync(join(tmpdir(), 'uclab-modes-'));
    const old = join(root, 'MIC.key');
    writeFileSync(old, 'old');
    chmodSync(old, 0o644);
    new Artifacts(root).write('MIC.key', server.keyPem);
    expect(modeOf(old)).toBe(0o600);
  });

  it('the TLS key log stays 0600 while handshakes append to it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uclab-modes-'));
    const lab = await newLab('keylog-mode', { artifactsDir: dir });
    lab.fabric.addHost('cucm');
    lab.fabric.addHost('phone');
    await lab.fabric.listenTls(
      'cucm',
      2443,
      { identities: [server] },
      { onConnection: (c) => c.socket.end() },
    );
    const r = await lab.fabric.connectTls('phone', { host: 'cucm', port: 2443 }, { trust: [pki.ca.certPem] });
    expect(r.ok).toBe(true);
    const keys = join(dir, 'keys.log');
    expect(statSync(keys).size).toBeGreaterThan(0);
    expect(modeOf(keys)).toBe(0o600);
  });

  it('a key log an earlier run left 0644 is made 0600 by the first handshake', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'uclab-modes-')), 'keys.log');
    writeFileSync(path, '');
    chmodSync(path, 0o644);
    new KeyLog(path).write(Buffer.from('CLIENT_RANDOM 00 11\n'));
    expect(modeOf(path)).toBe(0o600);
  });
});

describe('a key log that cannot be written', () => {
  it('keeps its lines in memory and says why, instead of ending the lab from a TLS event', () => {
    const gone = join(mkdtempSync(join(tmpdir(), 'uclab-modes-')), 'removed', 'keys.log');
    const log = new KeyLog(gone);
    expect(() => log.write(Buffer.from('CLIENT_RANDOM 00 11\n'))).not.toThrow();
    expect(log.lines).toEqual(['CLIENT_RANDOM 00 11']);
    expect(log.fileError).toMatch(/removed\/keys\.log: ENOENT/);
  });
});
