/**
 * A packet capture of one lab's address block on loopback, written as pcapng beside the lab's key log so
 * that Wireshark shows the lab's SCCP, SIP, TFTP, TVS, CAPF and HTTPS decrypted.
 *
 * The capture is done by Wireshark's own `dumpcap` (or `tshark`, which runs dumpcap itself), with a
 * kernel capture filter `net 127.A.B.0/24`: every packet of the lab has one end in its block, and a
 * peer program talking to the lab (openssl from 127.0.0.1) has its other end there too; other labs on
 * the same `lo` have other blocks and stay out of the file.
 *
 * Both ends of the capture are proven rather than waited for. "Capturing on" on the tool's stderr says
 * the interface is open; then a UDP datagram with a fresh token goes to the block until the token shows
 * in the file (dumpcap flushes it within its update interval, 100 ms by default), so the kernel filter is
 * attached before any device listens. On stop a second token goes out the same way: packets reach the
 * capture in order, so once the end token is in the file every packet the lab sent before is too. Only
 * then does the tool get SIGINT, on which it writes its closing statistics block and exits. The two
 * marker datagrams (`uclab capture start ...`, `uclab capture end ...`, from and to 127.A.B.254) stay in
 * the file and show where the capture begins and ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  openSync,
  readSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, join } from 'node:path';
import { err, ok, type Result, type UclabError } from '../result.ts';

/** The tools that can capture, most preferred first. */
export const CAPTURE_TOOLS = ['dumpcap', 'tshark'] as const;
export type CaptureTool = (typeof CAPTURE_TOOLS)[number];

/** The capture file holds the lab's traffic (and, with keys.log beside it, its plaintext). */
const PCAP_MODE = 0o600;
const READY_TIMEOUT_MS = 15_000;
const MARK_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;
/** How often to look for the mark in the file, and to send it again (a mark sent before the filter was attached is lost). */
const POLL_MS = 50;
const RESEND_MS = 1000;
/**
 * Runs the tool (`$0 $@`) and stops it with SIGINT when the shell's input ends: when uclab closes the
 * pipe to stop the capture, or when uclab is gone, even killed with SIGKILL, and the kernel closes it.
 * The shell exits with the tool's status as soon as the tool ends, by itself or not. The reader runs in
 * the background with the input handed over on fd 3 (an asynchronous list's own input is /dev/null).
 */
const WATCHDOG =
  'exec 3<&0; "$0" "$@" </dev/null & p=$!; (read _ <&3; kill -INT $p) >/dev/null 2>&1 & exec 3<&-; wait $p';

/** The block's address that no device takes (address-block.ts claims the block on .254). */
const MARK_HOST = 254;

export interface CaptureError extends UclabError {
  /**
   * `capture.no-tool` and `capture.not-permitted` hold for every later lab of the same process too: the
   * caller says so once and stops trying.
   */
  readonly code: 'capture.no-tool' | 'capture.not-permitted' | 'capture.failed';
}

export interface LabCapture {
  readonly tool: CaptureTool;
  readonly path: string;
  readonly filter: string;
  /** Waits until everything sent so far is in the file, then stops the tool and waits until it exits. */
  stop(): Promise<Result<void, CaptureError>>;
}

export interface CaptureOptions {
  /** The block's prefix, `127.A.B` (of its first /24). */
  prefix: string;
  /** The whole block, when it is more than the /24 of `prefix` (`127.A.B.0/22`). */
  cidr?: string;
  /** Where the pcapng file goes. */
  path: string;
  /** Where to look for the tools (default: `$PATH`). */
  searchPath?: string;
}

/** The capture filter of a block (pcap-filter(7) syntax): `127.A.B` for its /24, or a CIDR. */
export function blockFilter(block: string): string {
  return `net ${block.includes('/') ? block : `${block}.0/24`}`;
}

/** The first capture tool found on the search path, with its full path. */
export function findCaptureTool(
  searchPath = process.env.PATH ?? '',
): { tool: CaptureTool; file: string } | null {
  const dirs = searchPath.split(delimiter).filter(Boolean);
  for (const tool of CAPTURE_TOOLS) {
    for (const d of dirs) {
      const file = join(d, tool);
      try {
        accessSync(file, constants.X_OK);
        return { tool, file };
      } catch {
        /* not here */
      }
    }
  }
  return null;
}

function failure(code: CaptureError['code'], message: string): { ok: false; error: CaptureError } {
  return err({ code, message });
}

/** dumpcap's and tshark's wording when the user may not open the interface (capture-pcap-util.c). */
const NOT_PERMITTED = /permission|Operation not permitted|not permitted to capture/i;

/** Whether `token` has been written to the file since `from` (read from there on: the file only grows). */
function fileHolds(path: string, token: string, from: number): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const size = statSync(path).size;
    if (size <= from) return false;
    const buf = Buffer.alloc(size - from);
    readSync(fd, buf, 0, buf.length, from);
    return buf.includes(token);
  } finally {
    closeSync(fd);
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Sends `text` from and to the block's mark address until the file holds it. */
async function mark(prefix: string, path: string, text: string, child: ChildProcess): Promise<boolean> {
  const address = `${prefix}.${MARK_HOST}`;
  const token = `${text} ${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
  const from = Math.max(0, sizeOf(path) - token.length);
  const socket: Socket = createSocket('udp4');
  // Bound to the address it sends to, so the datagram is received (and dropped) instead of drawing an
  // ICMP port unreachable into the capture.
  const bound = await new Promise<boolean>((resolve) => {
    socket.once('error', () => resolve(false));
    socket.bind({ address, port: 0 }, () => resolve(true));
  });
  if (!bound) {
    socket.close();
    return false;
  }
  socket.on('message', () => {});
  const port = socket.address().port;
  const started = Date.now();
  let sent = 0;
  try {
    return await new Promise<boolean>((resolve) => {
      const tick = () => {
        if (fileHolds(path, token, from)) return resolve(true);
        if (child.exitCode !== null || child.signalCode !== null || Date.now() - started > MARK_TIMEOUT_MS)
          return resolve(false);
        if (Date.now() - sent >= RESEND_MS) {
          socket.send(token, port, address);
          sent = Date.now();
        }
        setTimeout(tick, POLL_MS);
      };
      tick();
    });
  } finally {
    socket.close();
  }
}

/** Resolves with the tool's exit once it has ended (at once if it already has). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts capturing the block into `path` and resolves once the capture is live (the start token is in
 * the file), or with why it cannot: no capture tool, no permission to capture on `lo`, or the tool failed.
 */
export async function startLabCapture(o: CaptureOptions): Promise<Result<LabCapture, CaptureError>> {
  const found = findCaptureTool(o.searchPath);
  if (!found) {
    return failure(
      'capture.no-tool',
      `no capture tool: neither ${CAPTURE_TOOLS.join(' nor ')} is installed (Debian: apt-get install wireshark-common)`,
    );
  }
  const filter = blockFilter(o.cidr ?? o.prefix);
  // Created first, private: the tool writes into the existing file and keeps its mode.
  writeFileSync(o.path, '', { mode: PCAP_MODE });
  chmodSync(o.path, PCAP_MODE);
  const args = ['-i', 'lo', '-f', filter, '-w', o.path];
  // tshark writes the file through dumpcap; `-q` keeps it from printing a count per packet.
  if (found.tool === 'tshark') args.push('-q');
  const child = spawn('sh', ['-c', WATCHDOG, found.file, ...args], {
    stdio: ['pipe', 'ignore', 'pipe'],
    // In a process group of its own: Ctrl-C on `uclab up` reaches uclab, which stops the lab and then the
    // capture in order, and not the tool, which would stop before the lab's last packets.
    detached: true,
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  };
  // A capture must not outlive the process that asked for it: on an ordinary exit it is told here, and
  // when that process is killed outright its end of the watchdog's pipe closes, which stops the tool too.
  const killOnExit = () => signalGroup('SIGTERM');
  process.once('exit', killOnExit);
  child.stdin?.on('error', () => {});
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    // The tool goes on printing its packet count: keep only the tail, enough for its last words.
    stderr = (stderr + d).slice(-4096);
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const ready = await new Promise<'ready' | 'exited' | 'timeout' | Error>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), READY_TIMEOUT_MS);
    const onData = () => {
      if (!/Capturing on /.test(stderr)) return;
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      resolve('ready');
    };
    child.stderr?.on('data', onData);
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve(e);
    });
    // `close`, not `exit`: the tool's last words on stderr are read by then.
    void closed.then(() => {
      clearTimeout(timer);
      resolve('exited');
    });
  });
  const giveUp = async (why: string) => {
    child.stdin?.end();
    signalGroup('SIGTERM');
    await closed;
    process.off('exit', killOnExit);
    const said = firstLines(stderr);
    // dumpcap says "Capturing on" before it finds it may not open the interface: its last words decide.
    if (NOT_PERMITTED.test(stderr)) {
      return failure(
        'capture.not-permitted',
        `no permission to capture on lo (${said}); run as root or give dumpcap its capture capabilities (dpkg-reconfigure wireshark-common)`,
      );
    }
    return failure('capture.failed', `${why}${said ? ` (${found.tool}: ${said})` : ''}`);
  };
  if (ready instanceof Error) return giveUp(`${found.tool} did not start: ${ready.message}`);
  if (ready === 'timeout')
    return giveUp(`${found.tool} did not start capturing on lo within ${READY_TIMEOUT_MS / 1000} s`);
  if (ready === 'exited') return giveUp(`${found.tool} ended before capturing`);
  if (!(await mark(o.prefix, o.path, 'uclab capture start', child)))
    return giveUp(`${found.tool} is running but no packet of ${filter} reached ${o.path}`);
  let stopping: Promise<Result<void, CaptureError>> | null = null;
  const stop = async (): Promise<Result<void, CaptureError>> => {
    const flushed = await mark(o.prefix, o.path, 'uclab capture end', child);
    // The watchdog turns the end of its input into SIGINT for the tool, which then closes the file.
    child.stdin?.end();
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      signalGroup('SIGKILL');
    }, STOP_TIMEOUT_MS);
    await exited(child);
    clearTimeout(timer);
    process.off('exit', killOnExit);
    chmodSync(o.path, PCAP_MODE);
    if (killed)
      return failure(
        'capture.failed',
        `${found.tool} did not stop within ${STOP_TIMEOUT_MS / 1000} s; ${o.path} may be cut short`,
      );
    if (!flushed)
      return failure('capture.failed', `the last packets of the lab may be missing from ${o.path}`);
    return ok(undefined);
  };
  return ok({
    tool: found.tool,
    path: o.path,
    filter,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  });
}

/** The tool's own explanation, without the banner lines it prints before it (one line). */
function firstLines(stderr: string): string {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .map((l) => l.replace(/^.*\r/, ''))
    .filter((l) => l !== '' && !/^Running as user|^Capturing on|^File: |^Packets/.test(l))
    .slice(0, 2)
    .join(' ');
}
