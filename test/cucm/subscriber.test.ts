/**
 * A cluster of a publisher and one subscriber (docs/reference/trust-files.md §1.6, docs/reference/capf.md §2, docs/reference/tvs.md §1): TVS runs on both nodes,
 * CAPF on the publisher only, every TFTP node serves its own ITL (its own CallManager, every TVS
 * certificate of the cluster, the publisher's CAPF), and a subscriber's TVS vouches for the publisher's
 * certificates.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ciscoIssuer, ciscoSubject, serialBytes } from '../../certs/cisco-dn.ts';
import { parseTrustList, Role, type TrustList } from '../../certs/ctl.ts';
import { CucmNodeDevice } from '../../devices/cucm/node.ts';
import type { SecureStream as TLSSocket } from '../../emulator/net/types.ts';
import { type CucmLab, startCucmLab } from './support.ts';

let t: CucmLab;
let sub: CucmNodeDevice;

beforeAll(async () => {
  t = await startCucmLab('cucm-cluster', {}, [
    { kind: 'cucm', name: 'cucm-sub', aliases: ['cucm-sub.lab.example'], publisher: 'cucm-pub' },
  ]);
  sub = t.lab.device('cucm-sub', CucmNodeDevice);
  t.lab.fabric.addHost('cluster-client');
});
afterAll(async () => {
  await t?.stop();
});

async function connect(host: string, port: number) {
  return t.lab.fabric.connectTls('cluster-client', { host, port }, {});
}

async function itlOf(host: string): Promise<TrustList> {
  const res = await fetch(`http://${t.lab.fabric.addressOf(host)}:6970/ITLFile.tlv`);
  expect(res.status).toBe(200);
  const r = parseTrustList(new Uint8Array(await res.arrayBuffer()), { kind: 'ITL' });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function serialsWithRole(list: TrustList, role: number): string[] {
  return list.records
    .filter((r) => r.role.code === role)
    .map((r) => Buffer.from(r.serial).toString('hex').replace(/^0+/, '').toUpperCase());
}

const serialOf = (c: X509Certificate) => c.serialNumber.replace(/^0+/, '').toUpperCase();

function tlv(tag: number, value: Buffer): Buffer {
  const h = Buffer.alloc(3);
  h[0] = tag;
  h.writeUInt16BE(value.length, 1);
  return Buffer.concat([h, value]);
}

/** One TVS response (docs/reference/tvs.md §3: 10-byte header, u16 body length at offset 8). */
function nextMessage(sock: TLSSocket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => reject(new Error('no TVS answer within 5 s')), 5000);
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 10 && buf.length >= 10 + buf.readUInt16BE(8)) {
        clearTimeout(timer);
        resolve(buf.subarray(0, 10 + buf.readUInt16BE(8)));
      }
    });
  });
}

describe('a publisher and one subscriber', () => {
  it('TVS listens on both nodes; CAPF on the publisher only', async () => {
    for (const host of ['cucm-pub', 'cucm-sub']) {
      const r = await connect(host, 2445);
      expect(r.ok ? 'TVS up' : r.error.message).toBe('TVS up');
      if (r.ok) r.value.socket.destroy();
    }
    const pubCapf = await connect('cucm-pub', 3804);
    expect(pubCapf.ok).toBe(true);
    if (pubCapf.ok) pubCapf.value.socket.destroy();
    const subCapf = await connect('cucm-sub', 3804);
    expect(subCapf.ok ? 'CAPF up' : subCapf.error.code).toBe('ECONNREFUSED');
    expect(sub.describe().ports.map((p) => p.port)).not.toContain(3804);
  });

  it("each node serves its own ITL: its own CallManager, every node's TVS (role 21), the publisher's CAPF", async () => {
    const tvs = [t.pub, sub].map((n) => serialOf(n.certs.own('TVS').identity.cert)).sort();
    const capf = serialOf(t.pub.certs.own('CAPF').identity.cert);
    for (const node of [t.pub, sub]) {
      const other = node === t.pub ? sub : t.pub;
      const itl = await itlOf(node.name);
      expect(serialsWithRole(itl, Role.TVS).sort()).toEqual(tvs);
      expect(serialsWithRole(itl, Role.CAPF)).toEqual([capf]);
      const tftp = serialsWithRole(itl, Role.TFTP);
      expect(tftp).toEqual([serialOf(node.certs.own('CallManager').identity.cert)]);
      expect(tftp).not.toContain(serialOf(other.certs.own('CallManager').identity.cert));
    }
  });

  it("a phone's TVS QUERY to the subscriber finds the publisher's CallManager certificate", async () => {
    const cm = t.pub.certs.own('CallManager').identity.cert;
    const r = await connect('cucm-sub', 2445);
    if (!r.ok) throw new Error(r.error.message);
    const sock = r.value.socket;
    const answer = nextMessage(sock);
    const cstr = (s: string) => Buffer.concat([Buffer.from(s), Buffer.from([0])]);
    const body = Buffer.concat([
      tlv(1, Buffer.concat([Buffer.from([1]), Buffer.from('CP-8861-SEP001122334455')])),
      tlv(3, cstr(ciscoSubject(cm))),
      tlv(4, cstr(ciscoIssuer(cm))),
      tlv(5, Buffer.from(serialBytes(cm))),
    ]);
    const header = Buffer.from([0x57, 0x01, 3, 0x00, 0, 0, 0, 0, 0, 0]);
    header.writeUInt32BE(4242, 4);
    header.writeUInt16BE(body.length, 8);
    sock.write(Buffer.concat([header, body]));
    const res = await answer;
    sock.destroy();
    expect(res[2]).toBe(4); // QUERY_CERT response
    const elements = new Map<number, Buffer>();
    for (let o = 10; o < res.length; o += 3 + res.readUInt16BE(o + 1))
      elements.set(res[o] as number, res.subarray(o + 3, o + 3 + res.readUInt16BE(o + 1)));
    expect(elements.get(7)?.[0]).toBe(0); // status: found
    expect(new X509Certificate(elements.get(2) as Buffer).fingerprint256).toBe(cm.fingerprint256);
  });
});
