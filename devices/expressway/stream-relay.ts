/**
 * Splices two fabric streams together, both ways, with back-pressure: what the Expressway-E does with
 * an MRA client's connection and its connection to the Expressway-C traffic server (on the real pair
 * the relay rides the traversal zone's SSH tunnel). Either end closing closes the other.
 */
import type { ByteStream } from '../../emulator/net/types.ts';

function oneWay(from: ByteStream, to: ByteStream): void {
  from.on('data', (chunk) => {
    if (!to.writable) return;
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
  from.on('end', () => {
    if (to.writable) to.end();
  });
}

export function relay(a: ByteStream, b: ByteStream): void {
  oneWay(a, b);
  oneWay(b, a);
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
  // An error closes the stream; the 'close' handler above takes the other end down with it.
  a.on('error', () => {});
  b.on('error', () => {});
}
