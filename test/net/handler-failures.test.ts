import { describe, expect, it } from 'vitest';
import { newLab } from './support.ts';

describe('a device handler that throws', () => {
  it('is recorded as net.error naming the handler, and the listener keeps serving', async () => {
    const lab = await newLab('handler-throws');
    lab.fabric.addHost('cucm');
    lab.fabric.addHost('phone');
    let calls = 0;
    await lab.fabric.listenTcp('cucm', 2000, (c) => {
      if (++calls === 1) throw new Error('unexpected frame');
      c.socket.end('RegisterAck');
    });
    const first = await lab.fabric.connectTcp('phone', { host: 'cucm', port: 2000 });
    if (!first.ok) throw new Error(first.error.message);
    first.value.socket.resume();
    const failure = await lab.timeline.waitFor('the handler failure', (e) => e.kind === 'net.error');
    expect(failure).toMatchObject({
      device: 'cucm',
      connId: first.value.id,
      code: 'fabric.handler-failed',
      message: "cucm's handler for TCP 2000 failed: unexpected frame",
    });
    const second = await lab.fabric.connectTcp('phone', { host: 'cucm', port: 2000 });
    if (!second.ok) throw new Error(second.error.message);
    const text = await new Promise<string>((resolve) => {
      let t = '';
      second.value.socket.on('data', (d) => {
        t += d.toString();
      });
      second.value.socket.on('end', () => resolve(t));
    });
    expect(text).toBe('RegisterAck');
  });
});
