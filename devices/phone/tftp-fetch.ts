/**
 * One TFTP download by the phone (devices/protocols/tftp/client.ts), with the console lines the
 * firmware prints around it (`TFTP: [27]:Requesting ...`, `Finished --> rcvd ...`).
 *
 * An unanswered packet is resent with backoff (client.ts): with the default timer of 1 s and 2
 * retries the phone resends after 1 and 2 s more and gives a silent server up 4 s after that, 7 s in
 * all, before it turns to TFTP Server 2.
 */
import { tftpClientEvent } from '../protocols/events.ts';
import { tftpGet } from '../protocols/tftp/client.ts';
import type { PhoneContext } from './context.ts';

export interface TftpSource {
  address: string;
  port: number;
  /** A server outside the lab (uclab phone boot against a real system): kernel-chosen source address. */
  external: boolean;
  /**
   * TFTP Server 2, while the phone has not fallen back to it: taken (for this and every later file of
   * the boot) when TFTP Server 1 does not answer at all; a refusal (File not found) is an answer.
   */
  backup?: { host: string; address: string; port: number; external: boolean } | undefined;
}

/** The file's bytes, or null when the server does not have it or does not answer (already logged). */
export async function tftpFetch(
  p: PhoneContext,
  source: TftpSource,
  file: string,
  trustFile: boolean,
): Promise<Buffer | null> {
  const n = p.console.tftpRequest(file, source.address, trustFile);
  const r = await tftpGet({
    bind: (port) => (source.external ? p.fabric.bindUdpExternal() : p.fabric.bindUdp(p.name, port)),
    server: { address: source.address, port: source.port },
    filename: file,
    timeoutMs: p.timers.tftpTimeoutMs ?? 1000,
    retries: p.timers.tftpRetries ?? 2,
  });
  p.emit('tftp.transfer', tftpClientEvent(file, source, r));
  if (!r.ok) {
    p.console.tftpFailed(n, file, r.error.message);
    const silent = r.error.code === 'tftp.timeout' || r.error.code === 'tftp.deadline';
    const b = source.backup;
    if (silent && b) {
      // (M) modelled wording: the phone admin guides say only that TFTP Server 2 is used "if the
      // primary TFTP server is unavailable"; the console line of a real load is not in the seeds.
      p.console.line(
        `TFTP: no answer from ${source.address}, using TFTP Server 2 ${b.host} (${b.address})`,
        'WRN',
      );
      source.address = b.address;
      source.port = b.port;
      source.external = b.external;
      source.backup = undefined;
      return tftpFetch(p, source, file, trustFile);
    }
    return null;
  }
  p.console.tftpDone(n, file, r.value.data.length);
  p.received?.('tftp', file, r.value.data);
  return r.value.data;
}
