/**
 * A read-only TFTP server (RFC 1350, options RFC 2347/2348/2349), as CUCM's TFTP service is for phones.
 *
 * Realism points:
 * - Every transfer gets its own socket from `bind(0)`, bound on the device's own address, so replies come
 *   from the address the phone contacted, as tftpd-hpa does (toolchain-facts §1.1). The npm `tftp`
 *   package answers from 0.0.0.0 and so from 127.0.0.1 (toolchain-facts §3.1); we must not.
 * - Request refusals (file not found, access violation, writes) are also sent from a fresh transfer
 *   socket, like tftpd-hpa. Only a datagram that does not decode is answered from the listening socket.
 * - Duplicate ACKs are ignored, never answered with a resend (RFC 1123 §4.2.3.1, "Sorcerer's Apprentice
 *   Syndrome"); only the retransmission timer resends.
 * - A corrupt datagram never throws: it becomes a `malformed` event (and an ERROR 0 on the listening port).
 */
import type { Datagram } from '../../../emulator/net/types.ts';
import { err, ok, type Result } from '../../../emulator/result.ts';
import {
  BLKSIZE_MAX,
  DEFAULT_BLKSIZE,
  decodeTftp,
  encodeTftp,
  hasOptions,
  TFTP_ERROR_TEXT,
  TftpErrorCode,
  type TftpOptions,
  toNetascii,
} from './packet.ts';

export interface TftpPeer {
  address: string;
  port: number;
}

/** A refusal from the resolver: the TFTP error code to send and its text. */
export interface TftpRefusal {
  tftpCode: number;
  message: string;
}

export type TftpEvent =
  | { type: 'rrq'; filename: string; mode: string; peer: TftpPeer; options: TftpOptions }
  | { type: 'transfer-complete'; filename: string; peer: TftpPeer; bytes: number; blocks: number }
  | {
      type: 'transfer-error';
      filename?: string;
      peer: TftpPeer;
      code: number;
      message: string;
      sent: boolean;
    }
  | { type: 'malformed'; peer: TftpPeer; reason: string; offset: number };

export interface TftpServerOptions {
  /** Binds a UDP socket on the device's own address; port 0 = ephemeral. Injected by the fabric. */
  bind: (port: number) => Promise<Datagram>;
  port: number;
  /** Returns the file for a clean relative name, or a refusal (e.g. `{tftpCode: 1, message: 'File not found'}`). */
  resolve: (filename: string, peer: TftpPeer) => Promise<Result<Buffer, TftpRefusal>>;
  onEvent?: (e: TftpEvent) => void;
  /** Retransmission interval when the client negotiates no `timeout` option. Default 1000 ms. */
  retransmitMs?: number;
  /** Resends of one packet before the transfer is abandoned. Default 5. */
  maxRetries?: number;
  /** Largest blksize the server will agree to. Default 65464 (RFC 2348 maximum). */
  maxBlksize?: number;
}

/**
 * Turns a requested filename into a clean relative name, or refuses it with Access violation.
 * Backslashes count as separators (Windows-style clients); absolute paths, drive letters and any
 * `..` that would climb above the root are refused; `.` and empty segments are dropped.
 */
export function normaliseTftpPath(name: string): Result<string, TftpRefusal> {
  const refuse = err({ tftpCode: TftpErrorCode.ACCESS_VIOLATION, message: TFTP_ERROR_TEXT[2]! });
  const slashed = name.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) return refuse;
  const parts: string[] = [];
  for (const seg of slashed.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return refuse;
      parts.pop();
    } else parts.push(seg);
  }
  if (parts.length === 0) return refuse;
  return ok(parts.join('/'));
}

function peerOf(rinfo: { address: string; port: number }): TftpPeer {
  return { address: rinfo.address, port: rinfo.port };
}

class Transfer {
  private blockIndex = 0; // last logical block sent; 0 = the OACK
  private lastPacket: Buffer = Buffer.alloc(0);
  private retries = 0;
  private timer: NodeJS.Timeout | undefined;
  private done = false;
  private readonly totalBlocks: number;

  constructor(
    private readonly server: TftpServer,
    readonly socket: Datagram,
    private readonly peer: TftpPeer,
    private readonly filename: string,
    private readonly data: Buffer,
    private readonly blksize: number,
    private readonly retransmitMs: number,
    private readonly maxRetries: number,
  ) {
    // Always a final short block, possibly empty: a 512-byte file at blksize 512 is blocks 1 (512) + 2 (0).
    this.totalBlocks = Math.floor(data.length / blksize) + 1;
    socket.on('message', (msg, rinfo) => this.onMessage(msg, peerOf(rinfo)));
    socket.on('error', (e) => this.fail(TftpErrorCode.NOT_DEFINED, `socket error: ${e.message}`, false));
    // A stopped lab closes the socket under a running transfer: stop the retransmission timer with it.
    socket.once('close', () => {
      if (!this.done) this.finish();
    });
  }

  start(oack: TftpOptions | undefined): void {
    if (oack) this.send(encodeTftp({ op: 'OACK', options: oack }));
    else this.sendBlock(1);
  }

  private sendBlock(index: number): void {
    this.blockIndex = index;
    const chunk = this.data.subarray((index - 1) * this.blksize, index * this.blksize);
    // Block numbers are 16-bit on the wire and wrap 65535 → 0 (as tftpd-hpa, curl and atftp do).
    this.send(encodeTftp({ op: 'DATA', block: index & 0xffff, data: chunk }));
  }

  private send(pkt: Buffer): void {
    this.lastPacket = pkt;
    this.retries = 0;
    this.socket.send(pkt, this.peer.port, this.peer.address);
    this.arm();
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onTimeout(), this.retransmitMs);
  }

  private onTimeout(): void {
    if (this.done) return;
    if (this.retries >= this.maxRetries) {
      this.fail(TftpErrorCode.NOT_DEFINED, `Timeout: no ACK after ${this.maxRetries} retransmissions`, false);
      return;
    }
    this.retries++;
    this.socket.send(this.lastPacket, this.peer.port, this.peer.address);
    this.arm();
  }

  private onMessage(msg: Buffer, from: TftpPeer): void {
    if (this.done) return;
    if (from.address !== this.peer.address || from.port !== this.peer.port) {
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
      this.server.emit({ type: 'malformed', peer: from, reason: p.error.message, offset: p.error.offset });
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
    if (this.blockIndex === this.totalBlocks) {
      this.finish();
      this.server.emit({
        type: 'transfer-complete',
        filename: this.filename,
        peer: this.peer,
        bytes: this.data.length,
        blocks: this.totalBlocks,
      });
      return;
    }
    this.sendBlock(this.blockIndex + 1);
  }

  private fail(code: number, message: string, sendError: boolean): void {
    if (this.done) return;
    if (sendError) {
      // Close only once the ERROR has left: closing a socket cancels its queued sends.
      this.done = true;
      clearTimeout(this.timer);
      this.socket.send(encodeTftp({ op: 'ERROR', code, message }), this.peer.port, this.peer.address, () =>
        this.finish(),
      );
    } else this.finish();
    this.server.emit({
      type: 'transfer-error',
      filename: this.filename,
      peer: this.peer,
      code,
      message,
      sent: sendError,
    });
  }

  finish(): void {
    this.done = true;
    clearTimeout(this.timer);
    this.server.release(this);
  }
}

export class TftpServer {
  private socket: Datagram | undefined;
  private readonly transfers = new Set<Transfer>();
  private readonly sockets = new Set<Datagram>();
  private closed = false;
  private readonly retransmitMs: number;
  private readonly maxRetries: number;
  private readonly maxBlksize: number;

  constructor(private readonly opts: TftpServerOptions) {
    this.retransmitMs = opts.retransmitMs ?? 1000;
    this.maxRetries = opts.maxRetries ?? 5;
    this.maxBlksize = Math.min(opts.maxBlksize ?? BLKSIZE_MAX, BLKSIZE_MAX);
  }

  /** Binds the listening socket; resolves with the bound address. */
  async start(): Promise<TftpPeer> {
    const s = await this.opts.bind(this.opts.port);
    this.socket = s;
    this.sockets.add(s);
    s.on('message', (msg, rinfo) => {
      void this.onRequest(msg, peerOf(rinfo)).catch((e: unknown) =>
        this.emit({
          type: 'transfer-error',
          peer: peerOf(rinfo),
          code: 0,
          message: `internal: ${String(e)}`,
          sent: false,
        }),
      );
    });
    s.on('error', () => {
      /* a listening UDP socket has no per-peer errors worth dying for */
    });
    return this.address;
  }

  get address(): TftpPeer {
    if (!this.socket) throw new Error('TFTP server not started');
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  /** Transfers in progress (for tests and the live view). */
  get activeTransfers(): number {
    return this.transfers.size;
  }

  /** @internal */
  emit(e: TftpEvent): void {
    try {
      this.opts.onEvent?.(e);
    } catch {
      /* an observer's bug must not stop the server */
    }
  }

  /** @internal */
  release(t: Transfer): void {
    this.transfers.delete(t);
    this.closeSocket(t.socket);
  }

  private closeSocket(s: Datagram): Promise<void> {
    if (!this.sockets.delete(s)) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        s.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  }

  private async onRequest(msg: Buffer, peer: TftpPeer): Promise<void> {
    if (this.closed || !this.socket) return;
    const decoded = decodeTftp(msg);
    if (!decoded.ok) {
      this.emit({ type: 'malformed', peer, reason: decoded.error.message, offset: decoded.error.offset });
      // RFC 2347: bad option values end the request with error 8; anything else is error 0.
      const code = decoded.error.code === 'tftp.bad-option-value' ? TftpErrorCode.OPTION_REJECTED : 0;
      this.socket.send(
        encodeTftp({ op: 'ERROR', code, message: decoded.error.message }),
        peer.port,
        peer.address,
      );
      return;
    }
    const p = decoded.value;
    if (p.op === 'ERROR') return; // never answer an ERROR
    if (p.op !== 'RRQ') {
      const message =
        p.op === 'WRQ' ? 'Illegal TFTP operation: write requests are refused' : TFTP_ERROR_TEXT[4]!;
      if (p.op === 'WRQ')
        this.emit({ type: 'rrq', filename: p.filename, mode: p.mode, peer, options: p.options });
      await this.refuse(
        peer,
        TftpErrorCode.ILLEGAL_OPERATION,
        message,
        p.op === 'WRQ' ? p.filename : undefined,
      );
      return;
    }
    this.emit({ type: 'rrq', filename: p.filename, mode: p.mode, peer, options: p.options });
    if (p.mode === 'mail') {
      await this.refuse(peer, TftpErrorCode.ILLEGAL_OPERATION, 'Mail mode is not supported', p.filename);
      return;
    }
    const clean = normaliseTftpPath(p.filename);
    if (!clean.ok) {
      await this.refuse(peer, clean.error.tftpCode, clean.error.message, p.filename);
      return;
    }
    let file: Result<Buffer, TftpRefusal>;
    try {
      file = await this.opts.resolve(clean.value, peer);
    } catch (e) {
      file = err({ tftpCode: TftpErrorCode.NOT_DEFINED, message: `resolver failed: ${String(e)}` });
    }
    if (!file.ok) {
      await this.refuse(peer, file.error.tftpCode, file.error.message, clean.value);
      return;
    }
    const data = p.mode === 'netascii' ? toNetascii(file.value) : file.value;
    const oack = this.negotiate(p, data.length);
    const timeoutMs = oack?.timeout !== undefined ? oack.timeout * 1000 : this.retransmitMs;
    const sock = await this.transferSocket();
    if (!sock) return;
    const t = new Transfer(
      this,
      sock,
      peer,
      clean.value,
      data,
      oack?.blksize ?? DEFAULT_BLKSIZE,
      timeoutMs,
      this.maxRetries,
    );
    this.transfers.add(t);
    t.start(oack);
  }

  /** RFC 2347: acknowledge only the options we understand; unknown ones are silently dropped. */
  private negotiate(p: { options: TftpOptions }, size: number): TftpOptions | undefined {
    if (!hasOptions(p.options)) return undefined;
    const o: TftpOptions = {};
    if (p.options.blksize !== undefined) o.blksize = Math.min(p.options.blksize, this.maxBlksize);
    // RFC 2349: the server replies with the size. Except 0: curl 7.88 rejects `tsize 0` in an OACK
    // ("invalid tsize -:0:- value in OACK packet", rc 71), even from tftpd-hpa, which sends it (measured
    // here). Leaving the option unacknowledged is legal (RFC 2347) and lets every client fetch empty files.
    if (p.options.tsize !== undefined && size > 0) o.tsize = size;
    if (p.options.timeout !== undefined) o.timeout = p.options.timeout;
    return hasOptions(o) ? o : undefined;
  }

  private async transferSocket(): Promise<Datagram | undefined> {
    const s = await this.opts.bind(0);
    if (this.closed) {
      try {
        s.close();
      } catch {
        /* ignore */
      }
      return undefined;
    }
    this.sockets.add(s);
    return s;
  }

  private async refuse(
    peer: TftpPeer,
    code: number,
    message: string,
    filename: string | undefined,
  ): Promise<void> {
    const s = await this.transferSocket();
    if (!s) return;
    s.on('error', () => {});
    s.send(
      encodeTftp({ op: 'ERROR', code, message }),
      peer.port,
      peer.address,
      () => void this.closeSocket(s),
    );
    this.emit({
      type: 'transfer-error',
      ...(filename !== undefined ? { filename } : {}),
      peer,
      code,
      message,
      sent: true,
    });
  }

  /** Stops listening, abandons every transfer and closes every socket and timer. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of [...this.transfers]) t.finish();
    await Promise.all([...this.sockets].map((s) => this.closeSocket(s)));
  }
}

/** Creates and starts a server. */
export async function startTftpServer(opts: TftpServerOptions): Promise<TftpServer> {
  const s = new TftpServer(opts);
  await s.start();
  return s;
}
