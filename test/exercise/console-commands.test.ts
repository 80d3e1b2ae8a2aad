/**
 * The console commands the exercises need: System > Server from the CUCM CLI (processnode), the
 * migration of an eToken cluster to tokenless mixed mode, and the Expressway's Unified CM refresh.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshUnifiedCm, runXCli } from '../../devices/expressway/admin-cli.ts';
import { releaseOf } from '../../devices/expressway/releases.ts';
import { type CucmLab, startCucmLab } from '../cucm/support.ts';

describe('CUCM run sql on processnode (System > Server)', () => {
  let t: CucmLab;
  beforeAll(async () => {
    t = await startCucmLab('exercise-processnode', {
      aliases: ['cucm-pub.lab.example'],
      domain: 'lab.example',
      processNodeName: 'ip',
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('lists the node by the name it is advertised by, beside EnterpriseWideData', async () => {
    const out = await t.pub.exec('run sql select name from processnode');
    expect(out.split('\n').slice(2, 4)).toEqual(['EnterpriseWideData', t.pub.address]);
  });

  it('renames the node to its FQDN and counts the row', async () => {
    const current = t.pub.address;
    expect(
      await t.pub.exec(`run sql update processnode set name='cucm-pub.lab.example' where name='${current}'`),
    ).toBe('Rows: 1\n');
    expect(await t.pub.exec('run sql select name from processnode')).toContain('\ncucm-pub.lab.example\n');
    expect(await t.pub.exec(`run sql update processnode set name='cucm-pub' where name='${current}'`)).toBe(
      'Rows: 0\n',
    );
  });

  it('refuses a name that is not the node itself', async () => {
    const out = await t.pub.exec(
      "run sql update processnode set name='elsewhere.example' where name='cucm-pub.lab.example'",
    );
    expect(out).toContain('Executed command unsuccessfully');
    expect(await t.pub.exec('run sql select name from processnode')).toContain('\ncucm-pub.lab.example\n');
  });
});

describe('utils ctl set-cluster mixed-mode on an eToken cluster', () => {
  let t: CucmLab;
  beforeAll(async () => {
    t = await startCucmLab('exercise-tokenless', { mixedMode: 'etoken', etokens: 2 });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('migrates it to tokenless: the CTL can then be updated from the CLI without a token', async () => {
    expect(await t.pub.exec('utils ctl update CTLFile')).toContain('requires the use of eTokens');
    expect(await t.pub.exec('utils ctl set-cluster mixed-mode')).toContain('Cluster set to Mixed Mode');
    expect(await t.pub.exec('utils ctl update CTLFile')).toContain('CTL file Updated');
  });
});

describe('Expressway xCommand UnifiedCM Refresh', () => {
  const x142 = { release: releaseOf('X14.2'), verifyOriginServer: 'On' as const, ciphers: 'EECDH:HIGH' };

  it('asks the device to rediscover and changes no setting', () => {
    const r = runXCli('xCommand UnifiedCM Refresh', x142);
    expect([r.ok, r.action, r.change]).toEqual([true, 'refresh-unified-cm', {}]);
  });

  it('answers one block per publisher, with the error when a discovery fails', async () => {
    const out = await refreshUnifiedCm([{ publisher: 'a.example' }, { publisher: 'b.example' }], async (u) =>
      u.publisher === 'a.example'
        ? { ok: true, value: { nodes: ['a.example', 'a2.example'] } }
        : { ok: false, error: { message: 'Unable to connect to b.example:8443' } },
    );
    expect(out).toBe(
      [
        '*r UnifiedCMRefreshResult (status=Error):',
        '    Publisher: "a.example"',
        '    Detail: "Unified CM servers discovered: a.example, a2.example"',
        '    Publisher: "b.example"',
        '    Detail: "Unable to connect to b.example:8443"',
        '** end',
      ].join('\n'),
    );
  });
});
