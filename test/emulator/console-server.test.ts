import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startConsoleServer } from '../../emulator/console-server.ts';
import { Lab } from '../../emulator/lab.ts';
import '../fixtures/tls-pair-device.ts';

describe('console socket of a running lab', () => {
  it('answers malformed requests with an error, in order, and keeps serving', async () => {
    const lab = await Lab.create({ name: 'console' });
    const built = lab.build({ devices: [{ kind: 'test-tls-server', name: 'server', port: 2443 }] });
    expect(built.ok).toBe(true);
    await lab.start();
    const path = join(mkdtempSync(join(tmpdir(), 'uclab-console-')), 'console.sock');
    const server = await startConsoleServer(lab, path);
    try {
      const sock = connect(path);
      const lines: string[] = [];
      let buf = '';
      const five = new Promise<void>((resolve) => {
        sock.on('data', (d) => {
          buf += d;
          const parts = buf.split('\n');
          buf = parts.pop() ?? '';
          lines.push(...parts);
          if (lines.length >= 5) resolve();
        });
      });
      sock.write(
        'null\nnot json\n{"device": 3}\n{"device":"nobody","command":"x"}\n{"device":"server","command":"show accepted"}\n',
      );
      await five;
      sock.end();
      expect(lines.map((l) => JSON.parse(l).output)).toEqual([
        'a request is {"device": "<name>", "command": "<text>"}',
        'the request is not JSON',
        'a request is {"device": "<name>", "command": "<text>"}',
        'no device named nobody (have: server)',
        'accepted connections: 0',
      ]);
    } finally {
      server.close();
      await lab.stop();
    }
  });

  it('answers {"lab": "stop"} and then asks the lab to stop; nothing else asks it', async () => {
    const lab = await Lab.create({ name: 'console-stop' });
    expect(lab.build({ devices: [{ kind: 'test-tls-server', name: 'server', port: 2443 }] }).ok).toBe(true);
    await lab.start();
    const path = join(mkdtempSync(join(tmpdir(), 'uclab-console-')), 'console.sock');
    const stops: string[] = [];
    const server = await startConsoleServer(lab, path, { onStop: () => stops.push('stop') });
    try {
      const sock = connect(path);
      const lines: string[] = [];
      let buf = '';
      const three = new Promise<void>((resolve) => {
        sock.on('data', (d) => {
          buf += d;
          const parts = buf.split('\n');
          buf = parts.pop() ?? '';
          lines.push(...parts);
          if (lines.length >= 3) resolve();
        });
      });
      sock.write('{"lab":"restart"}\n{"device":"server","command":"show accepted"}\n{"lab":"stop"}\n');
      await three;
      sock.end();
      expect(lines.map((l) => JSON.parse(l))).toEqual([
        { ok: false, output: 'a lab request is {"lab": "stop"}' },
        { ok: true, output: 'accepted connections: 0', prompt: 'test:' },
        { ok: true, output: 'stopping the lab' },
      ]);
      expect(stops).toEqual(['stop']);
    } finally {
      server.close();
      await lab.stop();
    }
  });
});
