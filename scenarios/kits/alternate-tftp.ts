/**
 * An alternate TFTP server for scenarios where phones are pointed away from the publisher (DHCP option
 * 150 naming another server): it serves the publisher's files, still signed, from its own address, by
 * fetching each file from the publisher over TFTP through the fabric, as a relay would. Not a scenario.
 */
import { tftpGet } from '../../devices/protocols/tftp/client.ts';
import { startTftpServer, type TftpServer } from '../../devices/protocols/tftp/server.ts';
import { Device, type DeviceDescription } from '../../emulator/device.ts';
import type { Lab } from '../../emulator/lab.ts';
import { err, ok } from '../../emulator/result.ts';

export class AlternateTftp extends Device {
  readonly kind = 'alternate-tftp';
  #server: TftpServer | null = null;
  constructor(
    name: string,
    ctx: ConstructorParameters<typeof Device>[1],
    private readonly upstream: string,
  ) {
    super(name, ctx);
  }
  async start(): Promise<void> {
    const up = this.fabric.resolve(this.upstream);
    if (!up.ok) throw new Error(up.error.message);
    const upstream = { address: up.value, port: this.fabric.tftpPort() };
    this.#server = await startTftpServer({
      bind: (p) => this.fabric.bindUdp(this.name, p),
      port: this.fabric.tftpPort(),
      resolve: async (filename) => {
        const r = await tftpGet({
          bind: (p) => this.fabric.bindUdp(this.name, p),
          server: upstream,
          filename,
          timeoutMs: 500,
          retries: 1,
        });
        if (r.ok) return ok(r.value.data);
        return err({ tftpCode: r.error.tftpCode ?? 1, message: 'File not found' });
      },
    });
  }
  override async stop(): Promise<void> {
    await this.#server?.close();
  }
  describe(): DeviceDescription {
    return {
      name: this.name,
      kind: this.kind,
      address: this.address,
      aliases: this.aliases,
      ports: [{ name: 'tftp', proto: 'udp', port: this.fabric.tftpPort() }],
      certificates: [],
    };
  }
}

/** The administrator brings up an alternate TFTP server `name` relaying `upstream`'s files. */
export async function bringUpAlternateTftp(lab: Lab, name: string, upstream: string): Promise<void> {
  const alt = lab.add(new AlternateTftp(name, lab.context, upstream));
  await alt.start();
}

/** The address a TFTP server listens on, from its `net.listen` event. */
export function tftpAddressOf(lab: Lab, name: string): string | null {
  return lab.timeline.ofKind('net.listen', name).find((e) => e.proto === 'udp')?.endpoint.address ?? null;
}
