import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { claimAddressBlock } from '../../emulator/address-block.ts';

const ADDRESS_BLOCK = pathToFileURL(
  resolve(import.meta.dirname, '..', '..', 'emulator', 'address-block.ts'),
).href;

/** Claims `prefix` from another worker thread of this process, as a `uclab run` worker does. */
function claimInWorker(prefix: string): Promise<string> {
  const source = `
    const { parentPort } = require('node:worker_threads');
    import('tsx/esm/api')
      .then((tsx) => { tsx.register(); return import(${JSON.stringify(ADDRESS_BLOCK)}); })
      .then((m) => m.claimAddressBlock(${JSON.stringify(prefix)}))
      .then(async (block) => { parentPort.postMessage('claimed ' + block.prefix); await block.release(); })
      .catch((e) => parentPort.postMessage(e.message));
  `;
  return new Promise((done, fail) => {
    const w = new Worker(source, { eval: true });
    w.once('message', (m: string) => {
      done(m);
      void w.terminate();
    });
    w.once('error', fail);
  });
}

describe('address blocks across worker threads', () => {
  it('a block claimed in one thread cannot be claimed from another thread of the same process', async () => {
    const block = await claimAddressBlock('127.77.41');
    try {
      expect(await claimInWorker('127.77.41')).toBe(
        'address block 127.77.41.0/24 is already used by another lab',
      );
    } finally {
      await block.release();
    }
    // Released, it is free again for the other thread.
    expect(await claimInWorker('127.77.41')).toBe('claimed 127.77.41');
  });
});
