import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectFile } from '../../certs/inspect.ts';
import { decodeTftp, encodeTftp } from '../../devices/protocols/tftp/packet.ts';
import { itWithPeers, run } from '../support/peers.ts';
import { type CucmLab, PHONE, startCucmLab } from './support.ts';

let t: CucmLab;

beforeAll(async () => {
  t = await startCucmLab('cucm-tftp', { mixedMode: 'tokenless' });
});
afterAll(async () => {
  await t?.stop();
});

function served(name: string): Buffer {
  const f = t.pub.tftpFiles.get(name);
  if (!f) throw new Error(`${name} is not served`);
  return f.bytes;
}

describe('CUCM TFTP with real clients', () => {
  itWithPeers(
    ['curl'],
    'curl tftp:// fetches the ITL byte-identical to what the node generated',
    async () => {
      const out = join(t.dir, 'curl-ITLFile.tlv');
      const r = await run('curl', [
        '-s',
        '--max-time',
        '10',
        '-o',
        out,
        `tftp://${t.pub.address}:${t.pub.tftpPort}/ITLFile.tlv`,
      ]);
      expect(r.code).toBe(0);
      expect(readFileSync(out).equals(served('ITLFile.tlv'))).toBe(true);
      const inspected = inspectFile(readFileSync(out), 'ITLFile.tlv');
      expect(inspected.ok).toBe(true);
    },
  );

  itWithPeers(
    ['atftp'],
    'atftp with blksize and tsize fetches the per-device CTL (served as CTLFile.tlv)',
    async () => {
      const out = join(t.dir, 'atftp-CTL.tlv');
      const r = await run('atftp', [
        '--option',
        'blksize 1024',
        '--option',
        'tsize 0',
        '-g',
        '-r',
        `CTL${PHONE}.tlv`,
        '-l',
        out,
        t.pub.address,
        String(t.pub.tftpPort),
      ]);
      expect(r.code).toBe(0);
      expect(readFileSync(out).equals(served('CTLFile.tlv'))).toBe(true);
      const inspected = inspectFile(readFileSync(out), 'CTLFile.tlv');
      expect(inspected.ok).toBe(true);
    },
  );

  itWithPeers(['tftp'], 'tftp -m binary fetches the signed config byte-identical', async () => {
    const out = join(t.dir, 'hpa.cnf.xml.sgn');
    await run('tftp', [
      '-m',
      'binary',
      t.pub.address,
      String(t.pub.tftpPort),
      '-c',
      'get',
      `${PHONE}.cnf.xml.sgn`,
      out,
    ]);
    const got = readFileSync(out);
    expect(got.equals(served(`${PHONE}.cnf.xml.sgn`))).toBe(true);
    const inspected = inspectFile(got, `${PHONE}.cnf.xml.sgn`);
    expect(inspected.ok).toBe(true);
  });

  it('replies from the node address, and refuses traversal and unknown files with the right TFTP errors', async () => {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const ask = (filename: string) =>
      new Promise<{ msg: Buffer; address: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer for ${filename}`)), 5000);
        s.once('message', (msg, rinfo) => {
          clearTimeout(timer);
          resolve({ msg, address: rinfo.address });
        });
        s.send(
          encodeTftp({ op: 'RRQ', filename, mode: 'octet', options: {} }),
          t.pub.tftpPort,
          t.pub.address,
        );
      });
    try {
      const data = await ask('ITLFile.tlv');
      expect(data.address).toBe(t.pub.address);
      const first = decodeTftp(data.msg);
      expect(first.ok && first.value.op).toBe('DATA');
      const missing = await ask('SEP999999999999.cnf.xml');
      const e1 = decodeTftp(missing.msg);
      expect(e1.ok && e1.value.op === 'ERROR' && e1.value.code).toBe(1);
      expect(missing.address).toBe(t.pub.address);
      const trav = await ask('../../etc/passwd');
      const e2 = decodeTftp(trav.msg);
      expect(e2.ok && e2.value.op === 'ERROR' && e2.value.code).toBe(2);
    } finally {
      s.close();
    }
  });

  it('serves the same files over HTTP on 6970, and 404 for unknown ones', async () => {
    const ok = await fetch(`http://${t.pub.address}:6970/ITLFile.tlv`);
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer()).equals(served('ITLFile.tlv'))).toBe(true);
    const missing = await fetch(`http://${t.pub.address}:6970/nothing.xml`);
    expect(missing.status).toBe(404);
  });

  it('writes the generated files to the artifacts for uclab inspect', () => {
    const itl = readFileSync(join(t.dir, 'tftp', 'cucm-pub', 'ITLFile.tlv'));
    expect(itl.equals(served('ITLFile.tlv'))).toBe(true);
  });

  it('lists the trust lists as file list tftp *.tlv detail does', async () => {
    const text = await t.pub.exec('file list tftp *.tlv detail');
    expect(text).toMatch(/^\d\d \w{3},\d{4} \d\d:\d\d:\d\d +[\d,]+ CTLFile\.tlv$/m);
    expect(text).toMatch(/ITLFile\.tlv$/m);
    expect(text).toContain('dir count = 0, file count = 2');
  });

  it("keeps each phone's built config in memory of its own, not a slab of the shared buffer pool", () => {
    // emulator/owned-bytes.ts: a kept 3 KB slice of node's pool holds the whole 8 KB slab alive.
    const config = served(`${PHONE}.cnf.xml.sgn`);
    expect(config.buffer.byteLength).toBe(config.byteLength);
  });

  it('keeps one copy of a config served both plain and signed: the plain file is the signed payload', () => {
    const plain = served(`${PHONE}.cnf.xml`);
    const signed = served(`${PHONE}.cnf.xml.sgn`);
    expect(plain.buffer).toBe(signed.buffer);
    expect(plain.equals(signed.subarray(signed.byteLength - plain.byteLength))).toBe(true);
    expect(plain.toString('utf8')).toMatch(/^<\?xml|^<device/);
  });
});
