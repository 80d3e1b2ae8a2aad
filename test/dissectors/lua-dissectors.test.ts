/**
 * The Wireshark dissectors shipped in dissectors/cisco-uc.lua, run by the real tshark on a capture of
 * the lab's own traffic: tshark 4.0 has no dissector for TVS (2445) or CAPF (3804), so without them an
 * engineer sees decrypted bytes only (docs/reference/toolchain.md).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect } from 'vitest';
import { loadScenario, runVariant } from '../../emulator/runner.ts';
import { startCapture } from '../support/capture.ts';
import { itWithPeers, run } from '../support/peers.ts';

const LUA = resolve(import.meta.dirname, '../../dissectors/cisco-uc.lua');

interface Captured {
  pcap: string;
  keylog: string;
  timeline: Record<string, unknown>[];
}

/** Runs scenario variants while tshark captures the loopback range, and returns what it recorded. */
async function captureRuns(runs: [id: string, variant: string][]): Promise<Captured> {
  const dir = mkdtempSync(join(tmpdir(), 'uclab-lua-'));
  const pcap = join(dir, 'lab.pcapng');
  // Other tests' labs share lo: only this run's sessions decrypt with this key log, and the checks
  // below compare against this run's own timeline.
  const capture = await startCapture(
    '127.0.0.1',
    pcap,
    15_000,
    'net 127.0.0.0/8 and (tcp port 2445 or tcp port 3804 or udp)',
  );
  const keylogs: string[] = [];
  const timeline: Record<string, unknown>[] = [];
  try {
    for (const [id, variant] of runs) {
      const loaded = await loadScenario(id);
      if (!loaded.ok) throw new Error(loaded.message);
      const r = await runVariant(loaded.scenario, variant, { artifactsDir: join(dir, 'runs') });
      expect(r.outcome, `${id}/${variant}: ${r.reason ?? ''}`).toBe('passed');
      const artifacts = r.artifacts ?? '';
      keylogs.push(readFileSync(join(artifacts, 'keys.log'), 'utf8'));
      for (const line of readFileSync(join(artifacts, 'timeline.jsonl'), 'utf8').split('\n')) {
        if (line) timeline.push(JSON.parse(line) as Record<string, unknown>);
      }
    }
  } finally {
    await capture.stop();
  }
  const keylog = join(dir, 'keys.log');
  writeFileSync(keylog, keylogs.join(''), { mode: 0o600 });
  return { pcap, keylog, timeline };
}

async function fields(c: Captured, filter: string, names: string[]): Promise<string[][]> {
  const out = await run('tshark', [
    '-r',
    c.pcap,
    '-X',
    `lua_script:${LUA}`,
    '-o',
    `tls.keylog_file:${c.keylog}`,
    '-o',
    'tftp.defragment:TRUE',
    '-Y',
    filter,
    '-T',
    'fields',
    '-E',
    'separator=|',
    ...names.flatMap((n) => ['-e', n]),
  ]);
  expect(out.stderr).not.toMatch(/Lua: Error|lua_script/i);
  return out.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split('|'));
}

describe('Wireshark dissectors for TVS, CAPF and trust lists', () => {
  itWithPeers(
    ['tshark'],
    'tshark shows the certificate serial a phone asks TVS about, and CAPF operation fields',
    async () => {
      const c = await captureRuns([
        ['itl-regen-callmanager-tvs-vouches', 'release-11-5'],
        ['capf-wrong-auth-string', 'fix'],
      ]);

      // The phone queries TVS for the new CallManager certificate: the serial CUCM put on the timeline.
      const regenerated = c.timeline
        .filter((e) => e.kind === 'cucm.cert-changed' && e.unit === 'CallManager')
        .map((e) => String(e.serial).toUpperCase().replace(/:/g, ''));
      expect(regenerated.length).toBeGreaterThan(0);
      const queries = await fields(c, 'cisco_tvs.command == 3', [
        'cisco_tvs.serial',
        'cisco_tvs.device_name',
      ]);
      const serials = queries.map(([s]) => (s ?? '').replace(/:/g, ''));
      expect(serials.some((s) => regenerated.includes(s))).toBe(true);
      const answers = await fields(c, 'cisco_tvs.command == 4', ['cisco_tvs.status', 'cisco_tvs.ttl']);
      expect(answers).toContainEqual(['0', '86400']);

      // CAPF: the phone authenticates by string and is asked to generate a key of the profile's size.
      const auth = await fields(c, 'cisco_capf.command == 2', [
        'cisco_capf.device_name',
        'cisco_capf.version',
      ]);
      expect(auth.some(([name, version]) => /^SEP[0-9A-F]{12}$/.test(name ?? '') && version === '3')).toBe(
        true,
      );
      const keygen = await fields(c, 'cisco_capf.command == 3', [
        'cisco_capf.key_type',
        'cisco_capf.key_size',
      ]);
      expect(keygen.length).toBeGreaterThan(0);
      expect(keygen[0]?.[0]).toBe('0');
      expect(Number(keygen[0]?.[1])).toBeGreaterThanOrEqual(1024);
      const stored = await fields(c, 'cisco_capf.command == 9', ['cisco_capf.certificate_type']);
      expect(stored.flatMap(([t]) => (t ?? '').split(','))).toContain('1');

      // The ITL a phone fetched over TFTP, dissected from the reassembled transfer.
      const itl = await fields(c, 'cisco_tlv.file_name', [
        'cisco_tlv.file_name',
        'cisco_tlv.record.function',
      ]);
      expect(itl.some(([file]) => file === 'ITLFile.tlv')).toBe(true);
      expect(itl.some(([, roles]) => (roles ?? '').split(',').includes('21'))).toBe(true);
    },
    120_000,
  );
});
