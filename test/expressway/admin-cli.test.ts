import { describe, expect, it } from 'vitest';
import { runXCli } from '../../devices/expressway/admin-cli.ts';
import { ExpresswayC } from '../../devices/expressway/expressway-c.ts';
import { releaseOf } from '../../devices/expressway/releases.ts';
import { startLab } from './support.ts';

const x142 = { release: releaseOf('X14.2'), verifyOriginServer: 'On' as const, ciphers: 'EECDH:HIGH' };

describe('Expressway admin CLI (xConfiguration)', () => {
  it('VerifyOriginServer: Off on X14.2 answers OK and switches verification off', () => {
    const r = runXCli('xConfiguration EdgeConfigServer VerifyOriginServer: Off', x142);
    expect([r.ok, r.output, r.change]).toEqual([true, '** end\n\nOK', { verifyOriginServer: 'Off' }]);
  });

  it('VerifyOriginServer does not exist before X14.2', () => {
    const r = runXCli('xConfiguration EdgeConfigServer VerifyOriginServer: Off', {
      ...x142,
      release: releaseOf('X14.0'),
    });
    expect([r.ok, r.output, r.change]).toEqual([
      false,
      '*c xConfiguration Error: EdgeConfigServer VerifyOriginServer is not available on X14.0',
      {},
    ]);
  });

  it('a cipher list is set with its quotes removed and shown back by the query', () => {
    const set = runXCli(
      'xConfiguration Ciphers UCServerDiscoveryTLSCiphers: "ECDHE-RSA-AES256-GCM-SHA384:HIGH"',
      x142,
    );
    expect(set.change).toEqual({ ciphers: 'ECDHE-RSA-AES256-GCM-SHA384:HIGH' });
    expect(runXCli('xConfiguration Ciphers', { ...x142, ciphers: 'A:B' }).output).toBe(
      '*c xConfiguration Ciphers: "A:B"\n** end',
    );
  });

  it('an unknown command is an error that changes nothing', () => {
    const r = runXCli('xCommand Boot', x142);
    expect([r.ok, r.output, r.change]).toEqual([
      false,
      '*c xConfiguration Error: unknown command: xCommand Boot',
      {},
    ]);
  });

  it('puts every command and the output the admin saw on the timeline, and applies the change', async () => {
    const lab = await startLab('xcli-events', [
      { kind: 'expressway-c', name: 'expc', aliases: ['expc.lab.example'], domain: 'lab.example' },
    ]);
    const expc = lab.device('expc', ExpresswayC);
    await expc.exec('xConfiguration EdgeConfigServer VerifyOriginServer: Off');
    await expc.exec('xConfiguration EdgeConfigServer VerifyOriginServer');
    expect(lab.timeline.ofKind('expressway.admin', 'expc').map((e) => [e.command, e.output, e.ok])).toEqual([
      ['xConfiguration EdgeConfigServer VerifyOriginServer: Off', '** end\n\nOK', true],
      [
        'xConfiguration EdgeConfigServer VerifyOriginServer',
        '*c xConfiguration EdgeConfigServer VerifyOriginServer: Off\n** end',
        true,
      ],
    ]);
  });
});
