import { describe, expect, it } from 'vitest';
import { ProvisioningServer } from '../../devices/peers/provisioning-server.ts';
import { SpaPhone } from '../../devices/peers/spa-phone.ts';
import type { Lab } from '../../emulator/lab.ts';
import { startLab } from './helpers.ts';

const AH02261 = 'AH02261: Re-negotiation handshake failed: Not accepted by client!?';

function spaLab(name: string, firmware: string, server: Record<string, unknown> = {}): Promise<Lab> {
  return startLab(name, [
    { kind: 'provisioning-server', name: 'prov', ...server },
    {
      kind: 'spa-phone',
      name: 'spa1',
      mac: '001122334455',
      firmware,
      profileRule: 'https://prov/Cisco/spa$MA.xml',
    },
  ]);
}

describe('SPA provisioning with client certificates asked for by renegotiation (seed 001)', () => {
  it('SPA 7.5.6c completes a real renegotiation and receives its profile', async () => {
    const lab = await spaLab('reneg-756', 'spa-7.5.6c');
    const r = await lab.device('spa1', SpaPhone).resync();
    expect(r.ok).toBe(true);
    expect(lab.device('spa1', SpaPhone).config).toContain('<flat-profile>');
    const reneg = lab.timeline.ofKind('tls.renegotiation', 'prov');
    expect(reneg.map((e) => e.outcome)).toEqual(['completed']);
    expect(reneg[0]?.detail).toContain('CN=001122334455');
    expect(lab.timeline.logLines('prov').some((l) => l.includes(AH02261))).toBe(false);
  });

  it('the renegotiation is on the timeline as a second handshake with the client certificate', async () => {
    const lab = await spaLab('reneg-756-handshake', 'spa-7.5.6c');
    expect((await lab.device('spa1', SpaPhone).resync()).ok).toBe(true);
    const handshakes = lab.timeline.ofKind('tls.handshake', 'prov');
    expect(handshakes.map((e) => [e.renegotiation ?? false, e.version])).toEqual([
      [false, 'TLSv1'],
      [true, 'TLSv1'],
    ]);
    expect(handshakes[0]?.peerCert).toBeNull();
    expect(handshakes[1]?.peerCert?.subject).toContain('CN=001122334455');
    expect(handshakes[1]?.connId).toBe(handshakes[0]?.connId);
    const verdict = lab.timeline.ofKind('tls.verdict', 'prov').at(-1);
    expect(verdict).toMatchObject({ connId: handshakes[1]?.connId, accepted: true });
  });

  it('SPA 7.5.7 refuses the renegotiation: the server logs AH02261 and the phone gets no profile', async () => {
    const lab = await spaLab('reneg-757', 'spa-7.5.7');
    const phone = lab.device('spa1', SpaPhone);
    const r = await phone.resync();
    expect(r.ok).toBe(false);
    expect(r.alert?.name).toBe('handshake_failure');
    expect(phone.config).toBeNull();
    const line = lab.timeline.logLines('prov').find((l) => l.includes(AH02261));
    expect(line).toMatch(
      /^\[\w{3} \w{3} \d{2} [\d:.]+ \d{4}\] \[ssl:error\] \[pid \d+\] \[client [\d.]+:\d+\] AH02261: /,
    );
    expect(lab.timeline.logLines('spa1').at(-1)).toContain('-- Resync failed: ');
    expect(lab.device('prov', ProvisioningServer).served.size).toBe(0);
  });

  it('asking for the certificate at the first handshake lets SPA 7.5.7 resync without renegotiation', async () => {
    const lab = await spaLab('reneg-757-server-level', 'spa-7.5.7', { sslVerifyClient: 'server' });
    const r = await lab.device('spa1', SpaPhone).resync();
    expect(r.ok).toBe(true);
    expect(lab.timeline.ofKind('tls.renegotiation')).toHaveLength(0);
    const serverSide = lab.timeline.ofKind('tls.handshake', 'prov')[0];
    expect(serverSide?.version).toBe('TLSv1');
    expect(serverSide?.peerCert?.subject).toContain('CN=001122334455');
  });
});

describe('SPA firmware that verifies only SHA-1 signatures (seed 001)', () => {
  it('SPA 7.5.6c refuses a SHA-256-signed server certificate with decrypt_error', async () => {
    const lab = await spaLab('sha256-756', 'spa-7.5.6c', { serverCertHash: 'SHA-256' });
    const r = await lab.device('spa1', SpaPhone).resync();
    expect(r.ok).toBe(false);
    expect(r.alert).toEqual({ code: 51, name: 'decrypt_error' });
    const verdict = lab.timeline.ofKind('tls.verdict', 'spa1')[0];
    expect(verdict?.reason).toContain('signed with SHA256');
  });

  it('SPA 7.5.6c accepts the same server with a SHA-1-signed certificate', async () => {
    const lab = await spaLab('sha1-756', 'spa-7.5.6c', { serverCertHash: 'SHA-1' });
    expect((await lab.device('spa1', SpaPhone).resync()).ok).toBe(true);
  });

  it('a later SPA firmware with SHA-2 accepts the SHA-256-signed certificate', async () => {
    const lab = await spaLab('sha256-newer', 'spa-7.6-sha2', { serverCertHash: 'SHA-256' });
    expect((await lab.device('spa1', SpaPhone).resync()).ok).toBe(true);
  });
});

describe('declarations', () => {
  it('an unknown SPA firmware is refused with the field path', async () => {
    await expect(
      startLab('bad-fw', [
        {
          kind: 'spa-phone',
          name: 'spa1',
          mac: '001122334455',
          firmware: 'sip-88xx-14.2',
          profileRule: 'https://p/x',
        },
      ]),
    ).rejects.toThrow(/devices\[0\]\.firmware: not an SPA firmware profile/);
  });
});
