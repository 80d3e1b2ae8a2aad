/** UDP sockets on a device's address (TFTP, RTP/SRTP), closed when the lab stops. */
import { assertOpen, type FabricCore } from './core.ts';
import type { Datagram } from './types.ts';

/** A UDP socket bound to the device's address; port 0 takes an ephemeral port (TFTP transfers). */
export async function bindUdp(core: FabricCore, device: string, port: number): Promise<Datagram> {
  assertOpen(core);
  const { timeline } = core;
  const s = await core.transport.bindDatagram(core.hosts.addressOf(device), port);
  s.on('error', (e: Error) =>
    timeline.emit(device, 'net.error', {
      connId: null,
      code: (e as NodeJS.ErrnoException).code ?? 'ERROR',
      message: e.message,
    }),
  );
  core.registry.trackUdp(s);
  if (port !== 0) {
    const a = s.address();
    timeline.emit(device, 'net.listen', { proto: 'udp', endpoint: { address: a.address, port: a.port } });
  }
  return s;
}

/** A UDP socket for reaching an address outside the lab (a real TFTP server): kernel-chosen source. */
export async function bindUdpExternal(core: FabricCore): Promise<Datagram> {
  const s = await core.transport.bindDatagram(null, 0);
  core.registry.trackUdp(s);
  return s;
}
