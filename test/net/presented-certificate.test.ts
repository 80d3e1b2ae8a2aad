/** The certificate each end presented, as `tls.handshake` events record it (`localCert`). */
import { describe, expect, it } from 'vitest';
import { createPkiContext, type Identity, issueCertificate } from '../../certs/issue.ts';
import { enterpriseRootCaProfile } from '../../certs/peer-profiles.ts';
import type { LabEvent } from '../../emulator/events.ts';
import type { Lab } from '../../emulator/lab.ts';
import { newLab } from './support.ts';

const ctx = createPkiContext({ seed: 'presented-certificate' });
const ca = issueCertificate(ctx, enterpriseRootCaProfile({ cn: 'Presented CA' }));
const leaf = async (name: string, key: 'rsa' | 'ec' = 'rsa') =>
  issueCertificate(
    ctx,
    {
      name,
      subject: [['CN', name]],
      key: key === 'rsa' ? { kind: 'rsa', bits: 2048 } : { kind: 'ec', curve: 'P-256' },
      extKeyUsage: ['serverAuth', 'clientAuth'],
    },
    await ca,
  );

async function handshakes(lab: Lab, opts: { ciphers?: string; client?: Identity }) {
  const r = await lab.fabric.connectTls(
    'phone',
    { host: 'cucm', port: 5061 },
    {
      ...(opts.client ? { identity: opts.client } : {}),
      ...(opts.ciphers ? { ciphers: opts.ciphers, maxVersion: 'TLSv1.2' as const } : {}),
    },
  );
  if (!r.ok) throw new Error(r.error.message);
  r.value.socket.destroy();
  const of = (role: 'client' | 'server') =>
    lab.timeline
      .ofKind('tls.handshake')
      .filter((e: LabEvent<'tls.handshake'>) => e.role === role && e.connId === r.value.id)
      .at(-1)?.localCert?.subject;
  return {
    client: of('client'),
    server: await lab.timeline
      .waitForConnection(
        r.value.id,
        'the server handshake',
        (e) => e.kind === 'tls.handshake' && e.role === 'server',
      )
      .then((e) => (e as LabEvent<'tls.handshake'>).localCert?.subject),
  };
}

async function lab(name: string, identities: Identity[]) {
  const l = await newLab(name, { artifactsDir: null });
  l.fabric.addHost('cucm');
  l.fabric.addHost('phone');
  const listener = await l.fabric.listenTls(
    'cucm',
    5061,
    { identities, requestCert: true },
    { onConnection: () => {} },
  );
  return { lab: l, listener };
}

describe('the certificate each end presented', () => {
  it('is the client identity and the server identity', async () => {
    const { lab: l } = await lab('presented-both', [await leaf('cucm-a.lab')]);
    expect(await handshakes(l, { client: await leaf('SEP00112233AABB') })).toEqual({
      client: 'CN=SEP00112233AABB',
      server: 'CN=cucm-a.lab',
    });
  });

  it('is none for a client without an identity', async () => {
    const { lab: l } = await lab('presented-none', [await leaf('cucm-b.lab')]);
    expect((await handshakes(l, {})).client).toBeUndefined();
  });

  it('follows a listener whose identity was replaced on the live listener', async () => {
    const { lab: l, listener } = await lab('presented-update', [await leaf('cucm-old.lab')]);
    expect((await handshakes(l, {})).server).toBe('CN=cucm-old.lab');
    listener.update({ identities: [await leaf('cucm-new.lab')], requestCert: true });
    expect((await handshakes(l, {})).server).toBe('CN=cucm-new.lab');
  });

  it('is the one the handshake chose when the listener holds an RSA and an ECDSA identity', async () => {
    const { lab: l } = await lab('presented-dual', [
      await leaf('cucm-rsa.lab'),
      await leaf('cucm-ec.lab', 'ec'),
    ]);
    expect((await handshakes(l, { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).server).toBe('CN=cucm-ec.lab');
    expect((await handshakes(l, { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' })).server).toBe('CN=cucm-rsa.lab');
  });
});
