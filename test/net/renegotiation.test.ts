import { constants } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Lab } from '../../emulator/lab.ts';
import type { TlsVersion } from '../../emulator/net/config.ts';
import type { TlsConnection } from '../../emulator/net/connections.ts';
import type {
  Renegotiated,
  RenegotiateOptions,
  RenegotiationError,
} from '../../emulator/net/renegotiation.ts';
import type { Result } from '../../emulator/result.ts';
import { makeTestPki } from '../support/openssl-pki.ts';
import { newLab } from './support.ts';

const pki = makeTestPki();
const server = pki.leaf('prov.lab');
const client = pki.leaf('SEP001122334455');

/**
 * A lab where `prov` renegotiates every connection it accepts, as mod_ssl does for a protected
 * directory; resolves with what `Fabric.renegotiate` returned.
 */
async function renegotiatingLab(
  name: string,
  opts: { version: TlsVersion; clientSecureOptions?: number; renegotiate?: RenegotiateOptions },
): Promise<{ lab: Lab; result: Result<Renegotiated, RenegotiationError>; connId: string }> {
  const lab = await newLab(name);
  lab.fabric.addHost('prov');
  lab.fabric.addHost('spa');
  const result = new Promise<Result<Renegotiated, RenegotiationError>>((resolve) => {
    void lab.fabric.listenTls(
      'prov',
      10443,
      { identities: [server], trust: [pki.ca.certPem], maxVersion: opts.version },
      { onConnection: (c) => void lab.fabric.renegotiate('prov', c, opts.renegotiate).then(resolve) },
    );
  });
  await lab.timeline.waitFor('prov to listen', (e) => e.kind === 'net.listen');
  const r = await lab.fabric.connectTls(
    'spa',
    { host: 'prov', port: 10443 },
    {
      identity: client,
      trust: [pki.ca.certPem],
      maxVersion: opts.version,
      secureOptions: opts.clientSecureOptions,
    },
  );
  if (!r.ok) throw new Error(r.error.message);
  // The client answers the server's HelloRequest while it reads.
  r.value.socket.resume();
  return { lab, result: await result, connId: r.value.id };
}

describe('Fabric.renegotiate', () => {
  it('asks a TLS 1.2 client for its certificate and records the new handshake as a renegotiation', async () => {
    const { lab, result, connId } = await renegotiatingLab('reneg-12', { version: 'TLSv1.2' });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.handshake.peerChain[0]?.subject).toBe('CN=SEP001122334455');
    expect(result.value.handshake.chainError).toBeNull();
    const handshakes = lab.timeline.ofKind('tls.handshake', 'prov');
    expect(handshakes.map((e) => [e.connId, e.renegotiation ?? false, e.peerCert?.subject ?? null])).toEqual([
      [connId, false, null],
      [connId, true, 'CN=SEP001122334455'],
    ]);
    const reneg = lab.timeline.ofKind('tls.renegotiation', 'prov');
    expect(reneg).toMatchObject([{ connId, role: 'server', outcome: 'completed' }]);
    expect(reneg[0]?.detail).toMatch(/^TLSv1\.2 \S+, peer certificate CN=SEP001122334455; chain verified$/);
  });

  it("records the device's verdict on the renegotiated handshake like any handshake's", async () => {
    const { lab, result, connId } = await renegotiatingLab('reneg-verdict', {
      version: 'TLSv1.2',
      renegotiate: { verify: () => ({ accepted: false, reason: 'not a SPA certificate' }) },
    });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.verdict).toMatchObject({ accepted: false, reason: 'not a SPA certificate' });
    const verdicts = lab.timeline.ofKind('tls.verdict', 'prov').filter((e) => e.connId === connId);
    expect(verdicts.map((e) => [e.accepted, e.reason])).toEqual([
      [true, 'no product checks (chain: NO_PEER_CERTIFICATE)'],
      [false, 'not a SPA certificate'],
    ]);
    expect(lab.timeline.ofKind('tls.renegotiation', 'prov')[0]?.detail).toMatch(
      /; refused: not a SPA certificate$/,
    );
  });

  it('a client that refuses renegotiation makes it fail, recorded as refused', async () => {
    const { lab, result } = await renegotiatingLab('reneg-refused', {
      version: 'TLSv1.2',
      clientSecureOptions: constants.SSL_OP_NO_RENEGOTIATION,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('tls.renegotiation-refused');
    const reneg = lab.timeline.ofKind('tls.renegotiation', 'prov');
    expect(reneg.map((e) => e.outcome)).toEqual(['refused']);
    expect(lab.timeline.ofKind('tls.handshake', 'prov').filter((e) => e.renegotiation)).toHaveLength(0);
  });

  it('a TLS 1.3 connection cannot be renegotiated, and the timeline says so', async () => {
    const { lab, result } = await renegotiatingLab('reneg-13', { version: 'TLSv1.3' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('tls.renegotiation-impossible');
    expect(lab.timeline.ofKind('tls.renegotiation', 'prov')).toMatchObject([{ outcome: 'impossible' }]);
  });

  it('a connection the fabric did not hand out is refused with the reason', async () => {
    const lab = await newLab('reneg-foreign');
    const { lab: other } = await renegotiatingLab('reneg-other', { version: 'TLSv1.2' });
    // A real connection of another lab: this lab's fabric never handed it out.
    const conn = await new Promise<TlsConnection>((resolve) => {
      other.fabric.addHost('prov2');
      void other.fabric
        .listenTls('prov2', 10443, { identities: [server] }, { onConnection: resolve })
        .then(() =>
          other.fabric.connectTls('spa', { host: 'prov2', port: 10443 }, { trust: [pki.ca.certPem] }),
        );
    });
    const r = await lab.fabric.renegotiate('prov', conn);
    expect(r).toMatchObject({ ok: false, error: { code: 'fabric.unknown-connection', connId: conn.id } });
    expect(lab.timeline.ofKind('tls.renegotiation')).toHaveLength(0);
  });
});
