/**
 * A lossy UDP relay for TFTP tests: it sits between a client and a TFTP server, drops and duplicates
 * datagrams, and mirrors the server's transfer IDs (every server port gets a relay port of its own, so
 * the client's TID checks still see one peer per transfer).
 *
 * Loss is seeded and keyed by what a datagram is, not by when it arrives: the decision for "the n-th
 * copy of DATA block 7 of file f3, server to client" is the same in front of any server. Two servers
 * behind two relays with the same seed face the same losses for the same packets, so a difference in
 * completed transfers is the servers' retransmission policy, not luck.
 */
import { createHash } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

export interface LossyRelayOptions {
  /** Address the relay binds for clients. */
  address: string;
  /**
   * Addresses the relay talks to the server from, one per client session in turn: each client looks
   * like a phone of its own to the server (a server caps transfers per peer address).
   */
  sessionAddresses: string[];
  upstream: { address: string; port: number };
  seed: string;
  /** Probability of dropping a datagram, 0..1. */
  drop: number;
  /** Probability of sending a datagram twice, 0..1. */
  duplicate: number;
}

export interface RelayStats {
  forwarded: number;
  dropped: number;
  duplicated: number;
}

/** A uniform number in [0, 1) from a key: the same key gives the same number in every run. */
function chance(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

/** What a TFTP datagram is, for the loss key: `RRQ f3`, `DATA 7`, `ACK 7`, `OACK`, `ERROR`. */
function describe(msg: Buffer): string {
  const op = msg.length >= 2 ? msg.readUInt16BE(0) : -1;
  if (op === 1 || op === 2) return `REQ ${msg.toString('latin1', 2, msg.indexOf(0, 2))}`;
  if ((op === 3 || op === 4) && msg.length >= 4) return `${op === 3 ? 'DATA' : 'ACK'} ${msg.readUInt16BE(2)}`;
  return `OP ${op}`;
}

interface Session {
  client: { address: string; port: number };
  /** Talks to the server as the client. */
  upstream: Socket;
  /** Client-facing socket per server TID (`address:port`). */
  mirrors: Map<string, Socket>;
  /** The file this session asked for: part of every loss key. */
  file: string;
  seen: Map<string, number>;
}

function bind(address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, address, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

export class LossyRelay {
  readonly stats: RelayStats = { forwarded: 0, dropped: 0, duplicated: 0 };
  private readonly sessions = new Map<string, Session>();
  private readonly sockets = new Set<Socket>();
  private nextSession = 0;

  private constructor(
    private readonly o: LossyRelayOptions,
    private readonly front: Socket,
  ) {
    this.sockets.add(front);
    front.on('message', (msg, r) => void this.fromClient(msg, r, undefined));
  }

  static async start(o: LossyRelayOptions): Promise<LossyRelay> {
    return new LossyRelay(o, await bind(o.address));
  }

  get port(): number {
    return this.front.address().port;
  }

  /** Sends `msg` 0, 1 or 2 times, as the seeded loss decides for this packet of this session. */
  private deliver(s: Session, dir: string, msg: Buffer, out: Socket, port: number, address: string): void {
    const what = `${dir} ${describe(msg)}`;
    const n = (s.seen.get(what) ?? 0) + 1;
    s.seen.set(what, n);
    const key = `${this.o.seed}|${s.file}|${what}|${n}`;
    if (chance(`drop|${key}`) < this.o.drop) {
      this.stats.dropped++;
      return;
    }
    const copies = chance(`dup|${key}`) < this.o.duplicate ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    this.stats.forwarded++;
    for (let i = 0; i < copies; i++) out.send(msg, port, address, () => {});
  }

  private async fromClient(msg: Buffer, r: { address: string; port: number }, tid: string | undefined) {
    const id = `${r.address}:${r.port}`;
    let s = this.sessions.get(id);
    if (!s) {
      if (tid !== undefined) return;
      const from = this.o.sessionAddresses[this.nextSession++ % this.o.sessionAddresses.length]!;
      const upstream = await bind(from);
      this.sockets.add(upstream);
      const created: Session = {
        client: { address: r.address, port: r.port },
        upstream,
        mirrors: new Map(),
        file: describe(msg),
        seen: new Map(),
      };
      s = this.sessions.get(id) ?? created;
      if (s !== created) upstream.close();
      else {
        this.sessions.set(id, s);
        upstream.on('message', (m, from) => void this.fromServer(created, m, from));
      }
    }
    if (tid === undefined) {
      this.deliver(s, 'c2s', msg, s.upstream, this.o.upstream.port, this.o.upstream.address);
    } else {
      const [address, port] = tid.split(':') as [string, string];
      this.deliver(s, 'c2s', msg, s.upstream, Number(port), address);
    }
  }

  private async fromServer(s: Session, msg: Buffer, from: { address: string; port: number }) {
    const tid = `${from.address}:${from.port}`;
    let mirror = s.mirrors.get(tid);
    if (!mirror) {
      const m = await bind(this.o.address);
      this.sockets.add(m);
      mirror = s.mirrors.get(tid) ?? m;
      if (mirror !== m) m.close();
      else {
        s.mirrors.set(tid, m);
        m.on('message', (cm, r) => {
          if (r.address === s.client.address && r.port === s.client.port) void this.fromClient(cm, r, tid);
        });
      }
    }
    this.deliver(s, 's2c', msg, mirror, s.client.port, s.client.address);
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.sockets].map(
        (sock) =>
          new Promise<void>((resolve) => {
            try {
              sock.close(() => resolve());
            } catch {
              resolve();
            }
          }),
      ),
    );
    this.sockets.clear();
  }
}
