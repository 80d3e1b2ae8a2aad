import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createPkiContext, issueCertificate } from '../../certs/issue.ts';
import type { KeySpec } from '../../certs/key-pool/index.ts';
import { enterpriseRootCaProfile } from '../../certs/profiles.ts';
import { Lab } from '../../emulator/lab.ts';
import { alert } from '../../emulator/tls-alerts.ts';
import { makeTestPki } from '../support/openssl-pki.ts';
import { itWithPeers, run } from '../support/peers.ts';

const pki = makeTestPki();
const server = pki.leaf('cucm.lab');
const client = pki.leaf('SEP001122334455');
const stranger = pki.leaf('SEPBADBADBAD00', { otherCa: true });
const labs: Lab[] = [];

async function newLab(name: string): Promise<Lab> {
  const lab = await Lab.create({ name });
  labs.push(lab);
  return lab;
}

afterEach(async () => {
  await Promise.all(labs.splice(0).map((l) => l.stop()));
});

describe('network fabric', () => {
  it('four labs with the same device names and ports run at once without colliding', async () => {
    const four = await Promise.all([1, 2, 3, 4].map((i) => newLab(`parallel-${i}`)));
    expect(new Set(four.map((l) => l.block.prefix)).size).toBe(4);
    const results = await Promise.all(
      four.map(async (lab) => {
        lab.fabric.addHost('cucm', ['cucm.lab']);
        lab.fabric.addHost('phone');
        await lab.fabric.listenTls(
          'cucm',
          2443,
          { identities: [server], trust: [pki.ca.certPem], requestCert: true },
          { onConnection: (c) => c.socket.end(`hello from ${lab.name}`) },
        );
        const r = await lab.fabric.connectTls(
          'phone',
          { host: 'cucm.lab', port: 2443 },
          { identity: client, trust: [pki.ca.certPem] },
        );
        if (!r.ok) throw new Error(r.error.message);
        const text = await new Promise<string>((resolve) => {
          let buf = '';
          r.value.socket.on('data', (d) => {
            buf += d;
          });
          r.value.socket.on('end', () => resolve(buf));
        });
        return { text, local: r.value.local.address, remote: r.value.remote };
      }),
    );
    results.forEach((r, i) => {
      expect(r.text).toBe(`hello from parallel-${i + 1}`);
      expect(r.remote.port).toBe(2443);
      expect(r.local.startsWith(four[i]?.block.prefix ?? 'x')).toBe(true);
    });
  });

  it('records both ends of a handshake with the certificates and the chain result', async () => {
    const lab = await newLab('handshake');
    lab.fabric.addHost('cucm', ['cucm.lab']);
    lab.fabric.addHost('phone');
    await lab.fabric.listenTls(
      'cucm',
      2443,
      { identities: [server], trust: [pki.ca.certPem], requestCert: true },
      {
        onConnection: (c) => c.socket.end(),
      },
    );
    const r = await lab.fabric.connectTls(
      'phone',
      { host: 'cucm.lab', port: 2443 },
      { identity: client, trust: [pki.ca.certPem] },
    );
    expect(r.ok).toBe(true);
    const hs = lab.timeline.ofKind('tls.handshake');
    const serverSide = hs.find((e) => e.role === 'server');
    const clientSide = hs.find((e) => e.role === 'client');
    expect(serverSide?.peerCert?.subject).toContain('CN=SEP001122334455');
    expect(serverSide?.chainError).toBeNull();
    expect(clientSide?.peerCert?.subject).toContain('CN=cucm.lab');
    expect(clientSide?.connId).toBe(serverSide?.connId);
    expect(clientSide?.version).toMatch(/^TLSv1\.[23]$/);
  });

  it('a rejecting lab device reaches the client as the alert a real device would send', async () => {
    const lab = await newLab('alerts');
    lab.fabric.addHost('cucm');
    lab.fabric.addHost('phone');
    await lab.fabric.listenTls(
      'cucm',
      2443,
      { identities: [server], trust: [pki.ca.certPem], requestCert: true },
      {
        verify: (h) =>
          h.chainError
            ? { accepted: false, reason: `client certificate: ${h.chainError}`, alert: alert('unknown_ca') }
            : { accepted: true, reason: 'ok' },
        onConnection: (c) => c.socket.end(),
      },
    );
    const r = await lab.fabric.connectTls(
      'phone',
      { host: 'cucm', port: 2443 },
      { identity: stranger, trust: [pki.ca.certPem] },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.alert).toEqual({ code: 48, name: 'unknown_ca' });
    const verdict = lab.timeline.ofKind('tls.verdict').find((e) => e.role === 'server');
    expect(verdict?.accepted).toBe(false);
    expect(verdict?.reason).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('a TLS 1.2 client refused by a lab server reads the alert however early the server closes', async () => {
    // The server decides before the client has read its Finished and may close first: the client
    // must still report the refusal and its alert, not "socket disconnected" (capf-regen-lsc-reissue).
    const lab = await newLab('early-refusal');
    lab.fabric.addHost('cucm');
    lab.fabric.addHost('phone');
    await lab.fabric.listenTls(
      'cucm',
      2443,
      { identities: [server], trust: [pki.ca.certPem], requestCert: true, maxVersion: 'TLSv1.2' },
      {
        verify: () => ({ accepted: false, reason: 'not in CallManager-trust', alert: alert('unknown_ca') }),
        onConnection: (c) => c.socket.end(),
      },
    );
    const outcomes = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const r = await lab.fabric.connectTls(
        'phone',
        { host: 'cucm', port: 2443 },
        { identity: stranger, trust: [pki.ca.certPem], maxVersion: 'TLSv1.2' },
      );
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.alert).toEqual({ code: 48, name: 'unknown_ca' });
      outcomes.add(`${r.error.code}: ${r.error.message}`);
    }
    expect([...outcomes]).toEqual([
      'tls.rejected-by-peer: cucm:2443 refused our certificate: alert unknown_ca(48)',
    ]);
  });

  it('a client that refuses the server certificate reports its own verdict and reason', async () => {
    const lab = await newLab('client-refuses');
    lab.fabric.addHost('cucm');
    lab.fabric.addHost('phone');
    await lab.fabric.listenTls(
      'cucm',
      5061,
      { identities: [stranger] },
      { onConnection: (c) => c.socket.end() },
    );
    const r = await lab.fabric.connectTls(
      'phone',
      { host: 'cucm', port: 5061 },
      { trust: [pki.ca.certPem] },
      (h) => ({
        accepted: h.chainError === null,
        reason: h.chainError ?? 'trusted',
        alert: alert('unknown_ca'),
      }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('tls.rejected');
    expect(r.error.verdict?.reason).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('a TLS listener takes a new certificate for new connections without closing its port', async () => {
    const lab = await newLab('update');
    lab.fabric.addHost('cucm', ['cucm.lab']);
    lab.fabric.addHost('phone');
    const listener = await lab.fabric.listenTls(
      'cucm',
      2443,
      { identities: [server] },
      { onConnection: (c) => c.socket.end() },
    );
    const before = await lab.fabric.connectTls(
      'phone',
      { host: 'cucm', port: 2443 },
      { trust: [pki.ca.certPem] },
    );
    listener.update({ identities: [stranger] });
    const after = await lab.fabric.connectTls(
      'phone',
      { host: 'cucm', port: 2443 },
      { trust: [pki.ca.certPem] },
    );
    expect(before.ok && before.value.handshake.peerChain[0]?.subject).toContain('CN=cucm.lab');
    expect(after.ok && after.value.handshake.peerChain[0]?.subject).toContain('CN=SEPBADBADBAD00');
  });

  it('after update() a dual RSA/ECDSA listener still picks the certificate by the client cipher order', async () => {
    const ctx = createPkiContext({ seed: 'dual' });
    const ca = await issueCertificate(ctx, enterpriseRootCaProfile({ cn: 'Dual CA' }));
    const leaf = (key: KeySpec) =>
      issueCertificate(ctx, { name: `srv-${key.kind}`, subject: [['CN', `srv-${key.kind}`]], key }, ca);
    const rsa = await leaf({ kind: 'rsa', bits: 2048 });
    const ec = await leaf({ kind: 'ec', curve: 'P-256' });
    const lab = await newLab('dual');
    lab.fabric.addHost('cucm');
    lab.fabric.addHost('expc');
    const listener = await lab.fabric.listenTls(
      'cucm',
      6972,
      { identities: [rsa, ec] },
      { onConnection: (c) => c.socket.end() },
    );
    const ecdsaFirst = {
      trust: [ca.certPem],
      maxVersion: 'TLSv1.2' as const,
      ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384',
    };
    const keyTypeSeen = async () => {
      const r = await lab.fabric.connectTls('expc', { host: 'cucm', port: 6972 }, ecdsaFirst);
      if (!r.ok) throw new Error(r.error.message);
      return r.value.handshake.peerChain[0]?.publicKey.asymmetricKeyType;
    };
    expect(await keyTypeSeen()).toBe('ec');
    listener.update({ identities: [rsa, ec] });
    expect(await keyTypeSeen()).toBe('ec');
  });

  it('closing a listener releases its port while accepted connections stay open', async () => {
    const lab = await newLab('close-listener');
    lab.fabric.addHost('cucm');
    lab.fabric.addHost('phone');
    const listener = await lab.fabric.listenTls(
      'cucm',
      2443,
      { identities: [server] },
      { onConnection: () => {} },
    );
    const r = await lab.fabric.connectTls('phone', { host: 'cucm', port: 2443 }, { trust: [pki.ca.certPem] });
    await listener.close();
    const again = await lab.fabric.listenTls(
      'cucm',
      2443,
      { identities: [server] },
      { onConnection: () => {} },
    );
    expect(again.endpoint.port).toBe(2443);
    expect(r.ok && !r.value.socket.destroyed).toBe(true);
  });

  it('stopping a lab closes a connection whose TLS handshake never finished', async () => {
    const lab = await Lab.create({ name: 'half-open' });
    lab.fabric.addHost('cucm');
    await lab.fabric.listenTls('cucm', 2445, { identities: [server] }, { onConnection: () => {} });
    // A client that opens TCP and never says hello, as a scanner or a stuck phone would.
    const half = net.connect({ host: lab.fabric.addressOf('cucm'), port: 2445 });
    await new Promise((resolve) => half.once('connect', resolve));
    await lab.timeline.waitFor(
      'the server to accept',
      (e) => e.kind === 'net.connect' && e.role === 'server',
    );
    const closed = new Promise((resolve) => half.once('close', resolve));
    half.on('error', () => {});
    await lab.stop();
    await closed;
    expect(lab.fabric.openHandles().handshakes).toBe(0);
  });

  it('a closed connection leaves no pairing behind, so a reused source port starts a new connection', async () => {
    const lab = await newLab('reuse');
    lab.fabric.addHost('cucm');
    lab.fabric.addHost('phone');
    await lab.fabric.listenTcp('cucm', 2000, (c) => c.socket.end());
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await lab.fabric.connectTcp('phone', { host: 'cucm', port: 2000 });
      if (!r.ok) throw new Error(r.error.message);
      ids.push(r.value.id);
      r.value.socket.resume();
      await new Promise((resolve) => r.value.socket.once('close', resolve));
    }
    const serverCloses = () => lab.timeline.ofKind('net.close').filter((e) => e.role === 'server').length;
    await lab.timeline.waitFor('both server ends to close', () => serverCloses() === 2);
    // Both ends of both connections agree on one id each, and nothing is left to hand an old id on.
    expect(new Set(ids).size).toBe(2);
    const serverIds = lab.timeline
      .ofKind('net.connect')
      .filter((e) => e.role === 'server')
      .map((e) => e.connId);
    expect(serverIds).toEqual(ids);
    expect(lab.fabric.openHandles().connections).toBe(0);
  });

  it('resolves lab names through the host table and refuses unknown ones', async () => {
    const lab = await newLab('names');
    const addr = lab.fabric.addHost('cucm-pub', ['cucm-pub.lab.example']);
    expect(lab.fabric.resolve('CUCM-PUB.lab.example')).toEqual({ ok: true, value: addr });
    const r = lab.fabric.resolve('www.example.com');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain("not in the lab's host table");
  });

  it('binds UDP on the device address, on port 69 where the process may', async () => {
    const lab = await newLab('udp');
    lab.fabric.addHost('tftp');
    const port = lab.fabric.tftpPort(6969);
    const s = await lab.fabric.bindUdp('tftp', port);
    expect(s.address()).toEqual({ address: lab.fabric.addressOf('tftp'), port, family: 'IPv4' });
  });

  it('stopping a lab closes every listener and socket it opened', async () => {
    const lab = await Lab.create({ name: 'shutdown' });
    lab.fabric.addHost('cucm');
    lab.fabric.addHost('phone');
    await lab.fabric.listenTls('cucm', 2443, { identities: [server] }, { onConnection: () => {} });
    await lab.fabric.bindUdp('cucm', 6969);
    const r = await lab.fabric.connectTls('phone', { host: 'cucm', port: 2443 }, { trust: [pki.ca.certPem] });
    expect(r.ok).toBe(true);
    await lab.stop();
    expect(lab.fabric.openHandles()).toEqual({
      sockets: 0,
      udp: 0,
      listeners: 0,
      handshakes: 0,
      connections: 0,
    });
    // The block is free again: it can be claimed by another lab.
    const again = await Lab.create({ name: 'reclaim', block: lab.block.prefix });
    await again.stop();
  });

  itWithPeers(
    ['openssl'],
    'openssl s_client completes a mutual TLS handshake with a lab listener',
    async () => {
      const lab = await newLab('s-client');
      lab.fabric.addHost('cucm');
      const addr = lab.fabric.addressOf('cucm');
      await lab.fabric.listenTls(
        'cucm',
        2443,
        { identities: [server], trust: [pki.ca.certPem], requestCert: true },
        {
          onConnection: (c) => c.socket.end('ok\n'),
        },
      );
      const out = await run('openssl', [
        's_client',
        '-connect',
        `${addr}:2443`,
        '-CAfile',
        pki.ca.certFile,
        '-cert',
        client.certFile,
        '-key',
        client.keyFile,
        '-brief',
      ]);
      expect(out.stderr).toContain('Verification: OK');
      const verdict = lab.timeline.ofKind('tls.handshake').find((e) => e.role === 'server');
      expect(verdict?.peerCert?.subject).toContain('SEP001122334455');
    },
  );
});
