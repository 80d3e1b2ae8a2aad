import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { tftpGet } from '../../devices/protocols/tftp/client.ts';
import { encodeTftp } from '../../devices/protocols/tftp/packet.ts';
import { TftpServer } from '../../devices/protocols/tftp/server.ts';
import { Lab } from '../../emulator/lab.ts';
import { ok } from '../../emulator/result.ts';

describe('TFTP when the lab stops', () => {
  it('a transfer in progress ends with the lab instead of retransmitting on a closed socket', async () => {
    const lab = await Lab.create({ name: 'tftp-stop' });
    lab.fabric.addHost('cucm');
    const server = new TftpServer({
      bind: (port) => lab.fabric.bindUdp('cucm', port),
      port: 6969,
      resolve: async () => ok(Buffer.alloc(5000, 1)),
      retransmitMs: 50,
    });
    await server.start();
    // A client that asks and never acknowledges: the server keeps block 1 in flight.
    const client = createSocket('udp4');
    const firstData = new Promise((resolve) => client.once('message', resolve));
    client.send(
      encodeTftp({ op: 'RRQ', filename: 'ITLFile.tlv', mode: 'octet', options: {} }),
      6969,
      lab.fabric.addressOf('cucm'),
    );
    await firstData;
    expect(server.activeTransfers).toBe(1);
    await lab.stop();
    expect(server.activeTransfers).toBe(0);
    client.close();
  });

  it('a phone download in progress ends with an error when its socket is closed', async () => {
    const lab = await Lab.create({ name: 'tftp-client-stop' });
    lab.fabric.addHost('phone');
    // A server that hears the request and never answers: the phone is retrying when the lab stops.
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(6969, lab.block.host(200), () => resolve()));
    let requests = 0;
    const retrying = new Promise<void>((resolve) =>
      silent.on('message', () => {
        if (++requests === 2) resolve();
      }),
    );
    const get = tftpGet({
      bind: () => lab.fabric.bindUdp('phone', 0),
      server: { address: lab.block.host(200), port: 6969 },
      filename: 'ITLFile.tlv',
      timeoutMs: 50,
      retries: 100,
    });
    await retrying;
    await lab.stop();
    silent.close();
    const r = await get;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('socket was closed');
  });
});
