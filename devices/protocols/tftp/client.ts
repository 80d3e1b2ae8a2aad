/**
 * A TFTP read client (RFC 1350 + RFC 2347/2348/2349 options), as the phone model uses to fetch
 * CTLFile.tlv, ITLFile.tlv and SEP<MAC>.cnf.xml(.sgn).
 *
 * The first reply (DATA, OACK or ERROR) fixes the server's transfer ID; later packets from any other
 * address/port get error 5 and are otherwise ignored (RFC 1350 §4). `source` reports that first reply's
 * address, so a test can see whether a server answers from the address it was asked on.
 *
 * An unanswered packet is resent with backoff, as the server side resends (transfer.ts, after
 * tftpd-hpa): the first wait is the timeout the server acknowledged in its OACK (RFC 2349), or the
 * client's own, and each wait doubles the one before; after the last resend it waits one more doubled
 * interval, then gives up. A fixed interval resent into a congested or lossy link at the rate that
 * lost the packet, and gave up after `retries + 1` base intervals.
 */
import type { Datagram } from '../../../emulator/net/types.ts';
import { err, ok, type Result } from '../../../emulator/result.ts';
import {
  DEFAULT_BLKSIZE,
  decodeTftp,
  encodeTftp,
  fromNetascii,
  TFTP_ERROR_TEXT,
  TftpErrorCode,
  type TftpMode,
  type TftpOptions,
} from './packet.ts';
import type { TftpPeer } from './server.ts';
import { retransmitDelayMs } from './transfer.ts';

export interface TftpGetOptions {
  /** Binds the client's UDP socket on the device's own address (port 0 = ephemeral). */
  bind: (port: number) => Promise<Datagram>;
  server: TftpPeer;
  filename: string;
  /** Default `octet`. */
  mode?: Exclude<TftpMode, 'mail'>;
  /** Ask for this block size (RFC 2348). */
  blksize?: number;
  /** Ask for the transfer size (RFC 2349, sends `tsize 0`). */
  tsize?: boolean;
  /** Ask the server to use this retransmission timeout in seconds (RFC 2349). */
  timeoutOption?: number;
  /** Wait this long for the first reply before resending; each later wait doubles (see above). */
  timeoutMs: number;
  /** Resends of one packet before giving up. */
  retries: number;
  /**
   * Total time allowed for the whole transfer. Default: twice one packet's whole patience
   * (base × (2^(retries+1) − 1), the base being the larger of timeoutMs and timeoutOption), and at
   * least timeoutMs × (retries + 1) × 4.
   */
  deadlineMs?: number;
  /** Refuse files larger than this (default 64 MiB). */
  maxBytes?: number;
}

export interface TftpGetResult {
  data: Buffer;
  /** Options the server acknowledged in its OACK; `{}` when it answered with DATA directly. */
  options: TftpOptions;
  /** Where the first reply came from. */
  source: TftpPeer;
  blocks: number;
}

export interface TftpGetError {
  /** `tftp.remote-error` (server sent ERROR), `tftp.timeout`, `tftp.deadline`, `tftp.protocol`, `tftp.socket`. */
  code: 'tftp.remote-error' | 'tftp.timeout' | 'tftp.deadline' | 'tftp.protocol' | 'tftp.socket';
  /** tftp-hpa's wording for remote errors: `Error code 1: File not found`. */
  message: string;
  /** The TFTP error code the server sent, for `tftp.remote-error`. */
  tftpCode?: number;
}

/** RFC 2349's longest timeout (255 s): no single wait grows past it, however many resends. */
const MAX_WAIT_MS = 255_000;
/** The longest delay a Node timer takes (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The wait before resend `n`: the backoff of the server side, capped at MAX_WAIT_MS. */
function waitMs(baseMs: number, n: number): number {
  return Math.min(retransmitDelayMs(baseMs, n), Math.max(baseMs, MAX_WAIT_MS));
}

export async function tftpGet(o: TftpGetOptions): Promise<Result<TftpGetResult, TftpGetError>> {
  let socket: Datagram;
  try {
    socket = await o.bind(0);
  } catch (e) {
    return err({ code: 'tftp.socket', message: `cannot bind: ${String(e)}` });
  }
  const mode = o.mode ?? 'octet';
  const requested: TftpOptions = {};
  if (o.blksize !== undefined) requested.blksize = o.blksize;
  if (o.tsize) requested.tsize = 0;
  if (o.timeoutOption !== undefined) requested.timeout = o.timeoutOption;
  const maxBytes = o.maxBytes ?? 64 * 1024 * 1024;
  // The longest first wait there can be: the client's, or the timeout it asks the server for.
  const longestBaseMs = Math.max(o.timeoutMs, (o.timeoutOption ?? 0) * 1000);
  let patienceMs = 0;
  for (let n = 0; n <= o.retries && patienceMs < MAX_TIMER_MS; n++) patienceMs += waitMs(longestBaseMs, n);
  const deadlineMs = Math.min(
    o.deadlineMs ?? Math.max(2 * patienceMs, o.timeoutMs * (o.retries + 1) * 4),
    MAX_TIMER_MS,
  );

  return new Promise((resolve) => {
    let serverTid: TftpPeer | undefined;
    let source: TftpPeer | undefined;
    let options: TftpOptions = {};
    let blksize = DEFAULT_BLKSIZE;
    let expected = 1; // next logical block
    let blocks = 0;
    const chunks: Buffer[] = [];
    let received = 0;
    let last = encodeTftp({ op: 'RRQ', filename: o.filename, mode, options: requested });
    let lastTo: TftpPeer = o.server;
    let retries = 0;
    /** The first wait before a resend: the client's timeout until an OACK acknowledges another. */
    let baseMs = o.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;

    const finish = (r: Result<TftpGetResult, TftpGetError>) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(deadline);
      try {
        socket.close(() => resolve(r));
      } catch {
        resolve(r);
      }
    };
    const deadline = setTimeout(
      () =>
        finish(
          err({ code: 'tftp.deadline', message: `Transfer of ${o.filename} exceeded ${deadlineMs} ms` }),
        ),
      deadlineMs,
    );
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => {
          if (retries >= o.retries) {
            finish(err({ code: 'tftp.timeout', message: `Transfer timed out (${o.retries} retries)` }));
            return;
          }
          retries++;
          socket.send(last, lastTo.port, lastTo.address);
          arm();
        },
        waitMs(baseMs, retries),
      );
    };
    const send = (pkt: Buffer, to: TftpPeer) => {
      last = pkt;
      lastTo = to;
      retries = 0;
      socket.send(pkt, to.port, to.address);
      arm();
    };
    const abort = (to: TftpPeer, code: number, message: string, why: string) => {
      // Close after the ERROR is on its way: closing cancels queued sends.
      clearTimeout(timer);
      socket.send(encodeTftp({ op: 'ERROR', code, message }), to.port, to.address, () =>
        finish(err({ code: 'tftp.protocol', message: why })),
      );
    };

    socket.on('error', (e) => finish(err({ code: 'tftp.socket', message: e.message })));
    // The lab may close the socket under us (a stopped lab): end quietly, never send on a closed socket.
    socket.once('close', () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(deadline);
      resolve(err({ code: 'tftp.socket', message: 'the socket was closed before the transfer ended' }));
    });
    socket.on('message', (msg, rinfo) => {
      if (finished) return;
      const from = { address: rinfo.address, port: rinfo.port };
      if (serverTid && (from.address !== serverTid.address || from.port !== serverTid.port)) {
        socket.send(
          encodeTftp({ op: 'ERROR', code: TftpErrorCode.UNKNOWN_TID, message: TFTP_ERROR_TEXT[5]! }),
          from.port,
          from.address,
        );
        return;
      }
      const p = decodeTftp(msg);
      if (!p.ok) return; // corrupt datagram: drop, the timer resends
      const pkt = p.value;
      if (!serverTid) {
        serverTid = from;
        source = from;
      }
      if (pkt.op === 'ERROR') {
        finish(
          err({
            code: 'tftp.remote-error',
            tftpCode: pkt.code,
            message: `Error code ${pkt.code}: ${pkt.message || (TFTP_ERROR_TEXT[pkt.code] ?? '')}`,
          }),
        );
        return;
      }
      if (pkt.op === 'OACK') {
        if (expected !== 1 || blocks > 0) return; // late duplicate OACK
        // RFC 2347: a server may only acknowledge options the client asked for.
        const extra = Object.keys(pkt.options.other ?? {});
        if (
          extra.length > 0 ||
          (pkt.options.blksize !== undefined && requested.blksize === undefined) ||
          (pkt.options.tsize !== undefined && requested.tsize === undefined) ||
          (pkt.options.timeout !== undefined && requested.timeout === undefined) ||
          (pkt.options.blksize !== undefined &&
            requested.blksize !== undefined &&
            pkt.options.blksize > requested.blksize)
        ) {
          abort(
            from,
            TftpErrorCode.OPTION_REJECTED,
            TFTP_ERROR_TEXT[8]!,
            'server acknowledged options not requested',
          );
          return;
        }
        options = pkt.options;
        if (options.tsize !== undefined && options.tsize > maxBytes) {
          abort(
            from,
            TftpErrorCode.DISK_FULL,
            TFTP_ERROR_TEXT[3]!,
            `file of ${options.tsize} bytes is too large`,
          );
          return;
        }
        blksize = options.blksize ?? DEFAULT_BLKSIZE;
        // RFC 2349: both ends use the acknowledged timeout (seconds) for their retransmissions.
        if (options.timeout !== undefined) baseMs = options.timeout * 1000;
        send(encodeTftp({ op: 'ACK', block: 0 }), from);
        return;
      }
      if (pkt.op !== 'DATA') {
        abort(from, TftpErrorCode.ILLEGAL_OPERATION, TFTP_ERROR_TEXT[4]!, `unexpected ${pkt.op} from server`);
        return;
      }
      if (pkt.block === ((expected - 1) & 0xffff)) {
        socket.send(encodeTftp({ op: 'ACK', block: pkt.block }), from.port, from.address); // our ACK was lost
        return;
      }
      if (pkt.block !== (expected & 0xffff)) return;
      if (pkt.data.length > blksize) {
        abort(
          from,
          TftpErrorCode.ILLEGAL_OPERATION,
          TFTP_ERROR_TEXT[4]!,
          `DATA of ${pkt.data.length} > blksize`,
        );
        return;
      }
      chunks.push(pkt.data);
      received += pkt.data.length;
      blocks++;
      if (received > maxBytes) {
        abort(from, TftpErrorCode.DISK_FULL, TFTP_ERROR_TEXT[3]!, `file exceeds ${maxBytes} bytes`);
        return;
      }
      const ack = encodeTftp({ op: 'ACK', block: pkt.block });
      expected++;
      if (pkt.data.length < blksize) {
        // Last block. RFC 1350 suggests dallying to re-ACK a lost final ACK; the server's retransmit
        // then hits a closed port. Accepted simplification.
        socket.send(ack, from.port, from.address, () => {
          const raw = Buffer.concat(chunks);
          finish(
            ok({ data: mode === 'netascii' ? fromNetascii(raw) : raw, options, source: source!, blocks }),
          );
        });
        clearTimeout(timer);
        return;
      }
      send(ack, from);
    });
    send(last, o.server);
  });
}
