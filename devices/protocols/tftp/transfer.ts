/**
 * One read transfer: the blocks of a file sent to one peer from the transfer's own socket, each resent
 * on a timer until it is acknowledged.
 *
 * Retransmission backs off as tftpd-hpa's does (measured here: tftpd-hpa 5.2, a client that never
 * acknowledges; without a `timeout` option the first DATA was resent after 1, 3, 7, 15 and 31 s, with
 * `timeout 5` after 5, 15, 35 and 75 s): the wait starts at the negotiated timeout (RFC 2349) or the
 * server's default and doubles after each resend. After `maxRetries` resends it waits one more doubled
 * interval, then abandons: 63 × the base for the default 5, as patient as tftpd-hpa. A fixed 1 s with
 * five resends gave up after 6 s, before atftp's own 5 s re-ACK timer fired, and lost transfers that
 * tftpd-hpa completed through the same lossy link.
 *
 * Duplicate ACKs are ignored, never answered with a resend (RFC 1123 §4.2.3.1, "Sorcerer's Apprentice
 * Syndrome"); only the retransmission timer resends.
 */
import type { Datagram } from '../../../emulator/net/types.ts';
import type { TftpEvent, TftpPeer } from './events.ts';
import { decodeTftp, encodeTftp, TFTP_ERROR_TEXT, TftpErrorCode, type TftpOptions } from './packet.ts';

/** The wait before resend `n` (0 = before the first resend) and before abandoning after the last. */
export function retransmitDelayMs(baseMs: number, n: number): number {
  return baseMs * 2 ** n;
}

export interface TransferHost {
  emit(e: TftpEvent): void;
  /** Called once when the transfer ends, however it ends. */
  ended(t: Transfer): void;
}

export interface TransferSpec {
  peer: TftpPeer;
  filename: string;
  data: Buffer;
  blksize: number;
  /** First retransmission wait: the negotiated timeout, or the server's default. */
  baseMs: number;
  maxRetries: number;
}

export class Transfer {
  private blockIndex = 0; // last logical block sent; 0 = the OACK
  private lastPacket: Buffer = Buffer.alloc(0);
  private resends = 0;
  private timer: NodeJS.Timeout | undefined;
  /** No more sends or resends (an ERROR may still be on its way out). */
  private done = false;
  /** The host has been told; the socket may be closed. */
  private finished = false;
  private readonly totalBlocks: number;
  /** Whether the peer has acknowledged anything: a peer that never has may be gone or hostile. */
  acknowledged = false;
  readonly startedAt = Date.now();

  constructor(
    private readonly host: TransferHost,
    readonly socket: Datagram,
    private readonly spec: TransferSpec,
  ) {
    // Always a final short block, possibly empty: a 512-byte file at blksize 512 is blocks 1 (512) + 2 (0).
    this.totalBlocks = Math.floor(spec.data.length / spec.blksize) + 1;
    socket.on('message', (msg, rinfo) => this.onMessage(msg, { address: rinfo.address, port: rinfo.port }));
    socket.on('error', (e) => this.fail(TftpErrorCode.NOT_DEFINED, `socket error: ${e.message}`, false));
    // A stopped lab closes the socket under a running transfer: stop the retransmission timer with it.
    socket.once('close', () => {
      if (!this.done) this.finish();
    });
  }

  get ending(): boolean {
    return this.done;
  }

  get peer(): TftpPeer {
    return this.spec.peer;
  }

  start(oack: TftpOptions | undefined): void {
    if (oack) this.send(encodeTftp({ op: 'OACK', options: oack }));
    else this.sendBlock(1);
  }

  /** Ends the transfer with an ERROR to the peer (a cap needs its slot), reported with `limit`. */
  abandon(message: string): void {
    this.fail(TftpErrorCode.NOT_DEFINED, message, true, 'server-limit');
  }

  private sendBlock(index: number): void {
    this.blockIndex = index;
    const { data, blksize } = this.spec;
    const chunk = data.subarray((index - 1) * blksize, index * blksize);
    // Block numbers are 16-bit on the wire and wrap 65535 → 0 (as tftpd-hpa, curl and atftp do).
    this.send(encodeTftp({ op: 'DATA', block: index & 0xffff, data: chunk }));
  }

  private send(pkt: Buffer): void {
    this.lastPacket = pkt;
    this.resends = 0;
    this.transmit();
  }

  private transmit(): void {
    this.socket.send(this.lastPacket, this.spec.peer.port, this.spec.peer.address);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onTimeout(), retransmitDelayMs(this.spec.baseMs, this.resends));
  }

  private onTimeout(): void {
    if (this.done) return;
    const { maxRetries, baseMs } = this.spec;
    if (this.resends >= maxRetries) {
      const waited = (baseMs * (2 ** (maxRetries + 1) - 1)) / 1000;
      this.fail(
        TftpErrorCode.NOT_DEFINED,
        `Timeout: no ACK after ${maxRetries} retransmissions (${waited} s)`,
        false,
      );
      return;
    }
    this.resends++;
    this.transmit();
  }

  private onMessage(msg: Buffer, from: TftpPeer): void {
    if (this.done) return;
    const { peer } = this.spec;
    if (from.address !== peer.address || from.port !== peer.port) {
      // RFC 1350 §4: a packet from another TID gets error 5 and does not disturb this transfer.
      this.socket.send(
        encodeTftp({ op: 'ERROR', code: TftpErrorCode.UNKNOWN_TID, message: TFTP_ERROR_TEXT[5]! }),
        from.port,
        from.address,
      );
      return;
    }
    const p = decodeTftp(msg);
    if (!p.ok) {
      // Inside a transfer a corrupt datagram is dropped; the retransmission timer recovers.
      this.host.emit({ type: 'malformed', peer: from, reason: p.error.message, offset: p.error.offset });
      return;
    }
    const pkt = p.value;
    if (pkt.op === 'ERROR') {
      this.fail(pkt.code, pkt.message || (TFTP_ERROR_TEXT[pkt.code] ?? 'error'), false);
      return;
    }
    if (pkt.op !== 'ACK') {
      this.fail(TftpErrorCode.ILLEGAL_OPERATION, TFTP_ERROR_TEXT[4]!, true);
      return;
    }
    if (pkt.block !== (this.blockIndex & 0xffff)) return; // duplicate or stale ACK: ignore
    this.acknowledged = true;
    if (this.blockIndex === this.totalBlocks) {
      this.finish();
      this.host.emit({
        type: 'transfer-complete',
        filename: this.spec.filename,
        peer,
        bytes: this.spec.data.length,
        blocks: this.totalBlocks,
      });
      return;
    }
    this.sendBlock(this.blockIndex + 1);
  }

  private fail(code: number, message: string, sendError: boolean, limit?: 'server-limit'): void {
    if (this.done) return;
    const { peer, filename } = this.spec;
    if (sendError) {
      // Close only once the ERROR has left: closing a socket cancels its queued sends.
      this.done = true;
      clearTimeout(this.timer);
      this.socket.send(encodeTftp({ op: 'ERROR', code, message }), peer.port, peer.address, () =>
        this.finish(),
      );
    } else this.finish();
    this.host.emit({
      type: 'transfer-error',
      filename,
      peer,
      code,
      message,
      sent: sendError,
      ...(limit ? { limit } : {}),
    });
  }

  finish(): void {
    const first = !this.finished;
    this.done = true;
    this.finished = true;
    clearTimeout(this.timer);
    if (first) this.host.ended(this);
  }
}
