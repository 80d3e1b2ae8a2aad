/**
 * A live tshark capture on `lo`. tshark reports "Capture started" before the kernel filter is really
 * attached, and a stop can lose the last packets still in dumpcap's pipe. So both ends are proven,
 * not waited for: UDP probes go to the captured address until tshark prints one (`-P` prints packets
 * while `-w` writes the file), at the start and before stopping.
 */
import { createSocket } from 'node:dgram';
import { startPeer } from './peers.ts';

// Unassigned ports, so tshark prints them as plain UDP rather than through a dissector.
const START_PORT = 47998;
const END_PORT = 47999;
const MAX_CAPTURE_SECONDS = 120;

export interface Capture {
  /** Waits until everything sent so far is in the capture, then stops tshark and waits for it to exit. */
  stop(): Promise<void>;
}

async function probeUntil(
  address: string,
  port: number,
  seen: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const probe = createSocket('udp4');
  const started = Date.now();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (seen()) {
          clearInterval(timer);
          resolve();
        } else if (Date.now() - started > timeoutMs) {
          clearInterval(timer);
          reject(new Error(`tshark did not show a probe to ${address}:${port} within ${timeoutMs} ms`));
        } else probe.send('uclab capture probe', port, address);
      }, 50);
    });
  } finally {
    probe.close();
  }
}

/**
 * Captures the traffic of `address` (the probes go there too), or what `filter` selects when given: a
 * capture filter that must also match the probes to `address`.
 */
export async function startCapture(
  address: string,
  pcapPath: string,
  timeoutMs = 15_000,
  filter = `host ${address}`,
): Promise<Capture> {
  const escaped = address.replace(/\./g, '\\.');
  const peerP = startPeer(
    'tshark',
    // `-a duration:` bounds the capture even if a test dies before stop(): no dumpcap outlives a run.
    ['-i', 'lo', '-l', '-P', '-a', `duration:${MAX_CAPTURE_SECONDS}`, '-f', filter, '-w', pcapPath],
    new RegExp(`${escaped} .*UDP .*→ ${START_PORT} `),
    { timeoutMs },
  );
  let ready = false;
  void peerP.then(
    () => {
      ready = true;
    },
    () => {},
  );
  await Promise.all([peerP, probeUntil(address, START_PORT, () => ready, timeoutMs)]);
  const peer = await peerP;
  return {
    stop: async () => {
      await probeUntil(address, END_PORT, () => new RegExp(`→ ${END_PORT} `).test(peer.output()), timeoutMs);
      await peer.stop();
    },
  };
}
