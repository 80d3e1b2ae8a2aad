// The lab picture's layout (ELK's layered algorithm), in a worker thread: ELK runs synchronously and
// its first layout takes about a second, which must not stall a running lab's protocol timers (a TFTP
// retransmission waits one second). Plain JavaScript so that the worker needs no TypeScript loader.
import { parentPort } from 'node:worker_threads';
import ELK from 'elkjs/lib/elk.bundled.js';

const elk = new ELK();

parentPort.on('message', async (msg) => {
  try {
    const g = await elk.layout(msg.graph);
    parentPort.postMessage({ id: msg.id, ok: true, graph: g });
  } catch (e) {
    parentPort.postMessage({ id: msg.id, ok: false, error: String(e?.message ?? e) });
  }
});
