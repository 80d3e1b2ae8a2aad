/**
 * A read-only TFTP server (RFC 1350, options RFC 2347/2348/2349), as CUCM's TFTP service is for phones.
 *
 * Realism points:
 * - Every transfer gets its own socket from `bind(0)`, bound on the device's own address, so replies come
 *   from the address the phone contacted, as tftpd-hpa does (docs/reference/tftp.md §4). The npm `tftp`
 *   package answers from 0.0.0.0 and so from 127.0.0.1 (docs/reference/tftp.md §5); we must not.
 * - Request refusals (file not found, access violation, writes) are also sent from a fresh transfer
 *   socket, like tftpd-hpa. Only a datagram that does not decode, and a request refused by a cap
 *   (admission.ts: a refusal must not cost the descriptor the cap protects), are answered from the
 *   listening socket.
 * - Resends back off as tftpd-hpa's do (transfer.ts); concurrent transfers are capped per peer and in
 *   all, with a queue (admission.ts).
 * - A corrupt datagram never throws: it becomes a `malformed` event (and an ERROR 0 on the listening port).
 */
import type { Datagram } from '../../../emulator/net/types.ts';
import { err, ok, type Result } from '../../../emulator/result.ts';
import { type Slot, TransferSlots } from './admission.ts';
import type { TftpEvent, TftpPeer } from './events.ts';
import {
  BLKSIZE_MAX,
  DEFAULT_BLKSIZE,
  decodeTftp,
  encodeTftp,
  hasOptions,
  TFTP_ERROR_TEXT,
  TftpErrorCode,
  type TftpOptions,
  type TftpPacket,
  toNetascii,
} from './packet.ts';
import { Transfer } from './transfer.ts';

export type { TftpEvent, TftpLimit, TftpPeer } from './events.ts';

/** A refusal from the resolver: the TFTP error code to send and its text. */
export interface TftpRefusal {
  tftpCode: number;
  message: string;
}

export interface TftpServerOptions {
  /** Binds a UDP socket on the device's own address; port 0 = ephemeral. Injected by the fabric. */
  bind: (port: number) => Promise<Datagram>;
  port: number;
  /** Returns the file for a clean relative name, or a refusal (e.g. `{tftpCode: 1, message: 'File not found'}`). */
  resolve: (filename: string, peer: TftpPeer) => Promise<Result<Buffer, TftpRefusal>>;
  onEvent?: (e: TftpEvent) => void;
  /** First retransmission wait when the client negotiates no `timeout` option. Default 1000 ms (tftpd-hpa's). */
  retransmitMs?: number;
  /** Resends of one packet, each after twice the previous wait, before the transfer is abandoned. Default 5. */
  maxRetries?: number;
  /** Largest blksize the server will agree to. Default 65464 (RFC 2348 maximum). */
  maxBlksize?: number;
  /**
   * Requests served at once (each holds a socket). Default 256: far below a process's descriptor
   * limit, which the lab's TCP services share. Cisco's Maximum Serving Count (1500-3500) counts queued
   * requests too; here those are `maxQueued`.
   */
  maxTransfers?: number;
  /** Requests one peer address may have running or queued. Default 8 (a phone fetches one file at a time). */
  maxTransfersPerPeer?: number;
  /** Requests waiting for a slot, holding no socket. Default 2048. */
  maxQueued?: number;
  /** A transfer whose peer has acknowledged nothing for this long may be abandoned for a waiting request. Default 2000 ms. */
  staleMs?: number;
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

type Request = Extract<TftpPacket, { op: 'RRQ' | 'WRQ' }>;

export class TftpServer {
  private socket: Datagram | undefined;
  private readonly transfers = new Set<Transfer>();
  private readonly sockets = new Set<Datagram>();
  private readonly slots: TransferSlots;
  private closed = false;
  private readonly retransmitMs: number;
  private readonly maxRetries: number;
  private readonly maxBlksize: number;

  constructor(private readonly opts: TftpServerOptions) {
    this.retransmitMs = opts.retransmitMs ?? 1000;
    this.maxRetries = opts.maxRetries ?? 5;
    this.maxBlksize = Math.min(opts.maxBlksize ?? BLKSIZE_MAX, BLKSIZE_MAX);
    this.slots = new TransferSlots({
      maxTransfers: opts.maxTransfers ?? 256,
      maxPerPeer: opts.maxTransfersPerPeer ?? 8,
      maxQueued: opts.maxQueued ?? 2048,
      staleMs: opts.staleMs ?? 2000,
    });
  }

  /** Binds the listening socket; resolves with the bound address. */
  async start(): Promise<TftpPeer> {
    const s = await this.opts.bind(this.opts.port);
    this.socket = s;
    this.sockets.add(s);
    s.on('message', (msg, rinfo) => this.onDatagram(msg, peerOf(rinfo)));
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

  /** Requests waiting for a slot. */
  get queuedRequests(): number {
    return this.slots.waiting;
  }

  private emit(e: TftpEvent): void {
    try {
      this.opts.onEvent?.(e);
    } catch {
      /* an observer's bug must not stop the server */
    }
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

  private onDatagram(msg: Buffer, peer: TftpPeer): void {
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
    const what = p.op === 'RRQ' || p.op === 'WRQ' ? `${p.op} ${p.filename}` : p.op;
    const admitted = this.slots.request(peer, what, (slot) => {
      void this.serve(p, peer, slot)
        .catch((e: unknown) =>
          this.emit({
            type: 'transfer-error',
            peer,
            code: 0,
            message: `internal: ${String(e)}`,
            sent: false,
          }),
        )
        .finally(() => {
          if (!slot.transfer) this.slots.release(slot);
        });
    });
    if (admitted.kind === 'refused') {
      const filename = p.op === 'RRQ' || p.op === 'WRQ' ? p.filename : undefined;
      this.socket.send(
        encodeTftp({ op: 'ERROR', code: TftpErrorCode.NOT_DEFINED, message: admitted.message }),
        peer.port,
        peer.address,
      );
      this.emit({
        type: 'transfer-error',
        ...(filename !== undefined ? { filename } : {}),
        peer,
        code: TftpErrorCode.NOT_DEFINED,
        message: admitted.message,
        sent: true,
        limit: admitted.limit,
      });
    }
  }

  /** Answers one admitted request in its slot: a transfer, or a refusal from a fresh socket. */
  private async serve(p: TftpPacket, peer: TftpPeer, slot: Slot): Promise<void> {
    if (this.closed) return;
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
    await this.transfer(p, peer, slot, clean.value, file.value);
  }

  private async transfer(p: Request, peer: TftpPeer, slot: Slot, name: string, file: Buffer): Promise<void> {
    const data = p.mode === 'netascii' ? toNetascii(file) : file;
    const oack = this.negotiate(p, data.length);
    const sock = await this.transferSocket();
    if (!sock) return;
    const t = new Transfer(
      {
        emit: (e) => this.emit(e),
        ended: (done) => {
          this.transfers.delete(done);
          void this.closeSocket(done.socket);
          this.slots.release(slot);
        },
      },
      sock,
      {
        peer,
        filename: name,
        data,
        blksize: oack?.blksize ?? DEFAULT_BLKSIZE,
        baseMs: oack?.timeout !== undefined ? oack.timeout * 1000 : this.retransmitMs,
        maxRetries: this.maxRetries,
      },
    );
    this.transfers.add(t);
    slot.transfer = t;
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

  /** Sends an ERROR from a fresh socket and resolves once it has left (the slot is held until then). */
  private async refuse(
    peer: TftpPeer,
    code: number,
    message: string,
    filename: string | undefined,
  ): Promise<void> {
    const s = await this.transferSocket();
    if (!s) return;
    s.on('error', () => {});
    this.emit({
      type: 'transfer-error',
      ...(filename !== undefined ? { filename } : {}),
      peer,
      code,
      message,
      sent: true,
    });
    await new Promise<void>((resolve) =>
      s.send(encodeTftp({ op: 'ERROR', code, message }), peer.port, peer.address, () => resolve()),
    );
    await this.closeSocket(s);
  }

  /** Stops listening, abandons every transfer and closes every socket and timer. */
  async close(): Promise<void> {
    this.closed = true;
    this.slots.clearQueue();
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
