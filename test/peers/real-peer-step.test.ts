/**
 * Real peer programs in scenario steps (scenarios/kits/real-peer.ts): a run goes on the timeline with
 * its output; a program that is not installed is skipped loudly, and fails the step under CI.
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { StepFailed } from '../../emulator/runner.ts';
import { lastPeerRun, runPeer } from '../../scenarios/kits/real-peer.ts';
import { itWithPeers } from '../support/peers.ts';
import { emptyLab } from './helpers.ts';

const ci = process.env.CI;
afterEach(() => {
  if (ci === undefined) delete process.env.CI;
  else process.env.CI = ci;
});

describe('a real peer program run by a scenario step', () => {
  itWithPeers(['openssl'], 'records the program, its exit code and what it printed', async () => {
    const lab = await emptyLab('peer-run');
    await runPeer(lab, { program: 'openssl', args: ['version'], purpose: 'which openssl' });
    const e = lastPeerRun(lab, 'openssl');
    expect(e).toMatchObject({ outcome: 'ran', exitCode: 0, purpose: 'which openssl' });
    expect(e?.output).toMatch(/^OpenSSL \d/);
  });

  it('skips a program that is not installed and records it as missing', async () => {
    delete process.env.CI;
    const lab = await emptyLab('peer-missing');
    await runPeer(lab, { program: 'uclab-no-such-program', args: [], purpose: 'a missing peer' });
    expect(lastPeerRun(lab, 'uclab-no-such-program')).toMatchObject({ outcome: 'missing', exitCode: null });
  });

  it('fails the step when the program is missing under CI', async () => {
    process.env.CI = 'true';
    const lab = await emptyLab('peer-missing-ci');
    await expect(
      runPeer(lab, { program: 'uclab-no-such-program', args: [], purpose: 'a missing peer' }),
    ).rejects.toBeInstanceOf(StepFailed);
  });

  itWithPeers(
    ['sh'],
    'writes the files it is given where the program reads them, and removes them after',
    async () => {
      const lab = await emptyLab('peer-files');
      await runPeer(lab, {
        program: 'sh',
        args: ['-c', 'stat -c %a "$0"; cat "$0"; echo; echo "$0"', '{file:key.pem}'],
        files: { 'key.pem': 'SECRET' },
        purpose: 'file mode',
      });
      const [mode, text, path] = (lastPeerRun(lab, 'sh')?.output ?? '').trim().split('\n');
      expect([mode, text]).toEqual(['600', 'SECRET']);
      expect(existsSync(path ?? '')).toBe(false);
    },
  );
});
