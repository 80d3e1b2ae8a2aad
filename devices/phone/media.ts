/**
 * Call media of the phone model: RTP (RFC 3550) G.711 u-law (PT 0), 160 bytes of audio per 20 ms
 * packet, and SRTP (RFC 3711) with the AES_CM_128_HMAC_SHA1_32 suite Cisco phones offer (RFC 4568
 * `a=crypto`): AES-128 counter mode, HMAC-SHA1 tag truncated to 4 bytes.
 *
 * Seed 002: "G.711u @ 20msec packetization has a payload size of 160bytes per packet. ... In an SRTP
 * stream the payload will show 164 bytes for each packet": a capture tool dissecting SRTP as RTP counts
 * the 4-byte authentication tag as payload. So a packet is 12 (header) + 160 (audio) on the wire for
 * RTP, 12 + 160 (encrypted audio) + 4 (tag) for SRTP; `payloadBytes` below is what follows the
 * 12-byte header, as tshark's `rtp.payload` shows it.
 *
 * The audio is silence: 0x7F per sample, the pattern seed 002 says shows in clear RTP ("7F7F7F7F7F7F
 * ... When you turn on SRTP and have silence you will see random encrypted data").
 */
import { createCipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Datagram, type DatagramPeer, isIpAddress } from '../../emulator/net/types.ts';

export const RTP_HEADER_BYTES = 12;
export const G711_SAMPLES_PER_20MS = 160;
export const SRTP_TAG_BYTES = 4;
/** How many 20 ms packets each phone sends per call (a short burst: enough to see in a capture). */
export const MEDIA_PACKETS = 5;
/** Cisco phones pick RTP ports from 16384-32766 (even). */
export const RTP_BASE_PORT = 16384;
export const SRTP_SUITE = 'AES_CM_128_HMAC_SHA1_32';

/** RFC 4568 master key ‖ master salt: 16 + 14 bytes. */
export interface SrtpMasterKey {
  key: Buffer;
  salt: Buffer;
}

export function newMasterKey(): SrtpMasterKey {
  const b = randomBytes(30);
  return { key: b.subarray(0, 16), salt: b.subarray(16, 30) };
}

/** `inline:` value of `a=crypto` (RFC 4568 §6.1): base64 of key ‖ salt. */
export function inlineKey(k: SrtpMasterKey): string {
  return Buffer.concat([k.key, k.salt]).toString('base64');
}

export function parseInlineKey(b64: string): SrtpMasterKey | null {
  const b = Buffer.from(b64, 'base64');
  return b.length === 30 ? { key: b.subarray(0, 16), salt: b.subarray(16, 30) } : null;
}

/** Whether `k` is an AES_CM_128 master key (16 bytes) and salt (14 bytes), RFC 3711 §8.2. */
export function isMasterKey(k: SrtpMasterKey): boolean {
  return k.key.length === 16 && k.salt.length === 14;
}

/**
 * Why a media plan cannot be used, or null: the far end must be an IPv4 literal (a host name would go
 * to the system resolver) with a UDP port, and SRTP keys must be full master keys and salts.
 */
export function mediaPlanProblem(plan: MediaPlan): string | null {
  if (isIpAddress(plan.remote.address) !== 4)
    return `media address ${plan.remote.address} is not an IPv4 address`;
  const port = plan.remote.port;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `media port ${port} is invalid`;
  for (const k of [plan.sendKey, plan.recvKey])
    if (k && !isMasterKey(k)) return 'SRTP key is not a 16-byte master key and 14-byte salt';
  return null;
}

/** RFC 3711 §4.3.1 key derivation (key derivation rate 0): AES-CM keyed by the master key. */
function derive(m: SrtpMasterKey, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  m.salt.copy(iv, 0);
  iv[7] = (iv[7] ?? 0) ^ label; // key_id = label ‖ r (r = 0), right-aligned in the 112-bit salt
  const c = createCipheriv('aes-128-ctr', m.key, iv);
  return c.update(Buffer.alloc(length));
}

/** The session keys RFC 3711 §4.3 derives (exported for the RFC 3711 B.3 test vector). */
export function srtpSessionKeys(m: SrtpMasterKey): { cipherKey: Buffer; authKey: Buffer; salt: Buffer } {
  return { cipherKey: derive(m, 0, 16), authKey: derive(m, 1, 20), salt: derive(m, 2, 14) };
}

/** One direction of an SRTP stream (one SSRC), RFC 3711 §3-4. ROC stays 0: a call here sends few packets. */
export class SrtpContext {
  readonly #ke: Buffer;
  readonly #ka: Buffer;
  readonly #ks: Buffer;

  constructor(master: SrtpMasterKey) {
    if (!isMasterKey(master)) throw new RangeError('SRTP master key must be 16 bytes with a 14-byte salt');
    this.#ke = derive(master, 0, 16);
    this.#ka = derive(master, 1, 20);
    this.#ks = derive(master, 2, 14);
  }

  #iv(ssrc: number, seq: number, roc: number): Buffer {
    const iv = Buffer.alloc(16);
    this.#ks.copy(iv, 0);
    const x = Buffer.alloc(16);
    x.writeUInt32BE(ssrc >>> 0, 4);
    x.writeUInt32BE(roc >>> 0, 8);
    x.writeUInt16BE(seq, 12);
    for (let i = 0; i < 16; i++) iv[i] = (iv[i] ?? 0) ^ (x[i] ?? 0);
    return iv;
  }

  #tag(authenticated: Buffer, roc: number): Buffer {
    const r = Buffer.alloc(4);
    r.writeUInt32BE(roc >>> 0, 0);
    return createHmac('sha1', this.#ka).update(authenticated).update(r).digest().subarray(0, SRTP_TAG_BYTES);
  }

  protect(rtp: Buffer): Buffer {
    const seq = rtp.readUInt16BE(2);
    const ssrc = rtp.readUInt32BE(8);
    const c = createCipheriv('aes-128-ctr', this.#ke, this.#iv(ssrc, seq, 0));
    const body = Buffer.concat([rtp.subarray(0, RTP_HEADER_BYTES), c.update(rtp.subarray(RTP_HEADER_BYTES))]);
    return Buffer.concat([body, this.#tag(body, 0)]);
  }

  /** The clear RTP packet, or null when the tag does not verify. */
  unprotect(srtp: Buffer): Buffer | null {
    if (srtp.length < RTP_HEADER_BYTES + SRTP_TAG_BYTES) return null;
    const body = srtp.subarray(0, srtp.length - SRTP_TAG_BYTES);
    const tag = srtp.subarray(srtp.length - SRTP_TAG_BYTES);
    if (!timingSafeEqual(tag, this.#tag(body, 0))) return null;
    const seq = body.readUInt16BE(2);
    const ssrc = body.readUInt32BE(8);
    const d = createCipheriv('aes-128-ctr', this.#ke, this.#iv(ssrc, seq, 0));
    return Buffer.concat([body.subarray(0, RTP_HEADER_BYTES), d.update(body.subarray(RTP_HEADER_BYTES))]);
  }
}

/** RFC 3550 §5.1 fixed header: V=2, no padding/extension/CSRC, PT 0 (PCMU), marker on the first packet. */
export function rtpPacket(p: { seq: number; timestamp: number; ssrc: number; marker: boolean }): Buffer {
  const b = Buffer.alloc(RTP_HEADER_BYTES + G711_SAMPLES_PER_20MS, 0x7f);
  b[0] = 0x80;
  b[1] = (p.marker ? 0x80 : 0) | 0;
  b.writeUInt16BE(p.seq & 0xffff, 2);
  b.writeUInt32BE(p.timestamp >>> 0, 4);
  b.writeUInt32BE(p.ssrc >>> 0, 8);
  return b;
}

export interface MediaPlan {
  remote: { address: string; port: number };
  /** SRTP: the key this phone encrypts with, and the key the far end encrypts with. Null = RTP. */
  sendKey: SrtpMasterKey | null;
  recvKey: SrtpMasterKey | null;
}

export interface MediaReport {
  media: 'RTP' | 'SRTP';
  localPort: number;
  remote: string;
  sent: number;
  received: number;
  /** Bytes after the RTP header of each received packet (distinct values), as a capture shows them. */
  payloadBytes: number[];
  /** Audio bytes per packet after SRTP removal (160 for G.711 20 ms). */
  audioBytes: number[];
  /** Packets from anyone but the far end, whose SRTP tag did not verify, or that were not RTP version 2. */
  rejected: number;
  /** The decoded audio was all 0x7F (G.711 silence, seed 002). */
  silencePattern: boolean;
  /** The bytes on the wire after the RTP header showed the 0x7F pattern (clear RTP only). */
  wireSilencePattern: boolean;
}

/**
 * One phone's media stream for one call: the UDP port it offered (bound before the offer, so packets
 * that arrive before the plan is known are kept), then `start(plan)` sends MEDIA_PACKETS packets 20 ms
 * apart and `done` settles once as many came in (or after `timeoutMs`) and the socket closes.
 * Only packets from the far end of the plan (its SDP / StartMediaTransmission address and port: phones
 * send from the port they receive on) count; others, early ones included, are dropped as rejected.
 */
export class MediaStream {
  readonly #sock: Datagram;
  readonly #early: { msg: Buffer; from: DatagramPeer }[] = [];
  #plan: MediaPlan | null = null;
  #recv: SrtpContext | null = null;
  #received = 0;
  #rejected = 0;
  #silence = true;
  #wireSilence = true;
  readonly #payload = new Set<number>();
  readonly #audio = new Set<number>();
  #resolve: (r: MediaReport) => void = () => {};
  readonly done: Promise<MediaReport>;
  #sent = 0;
  #finished = false;
  #closing = false;

  constructor(sock: Datagram) {
    this.#sock = sock;
    this.done = new Promise((r) => {
      this.#resolve = r;
    });
    sock.on('message', (msg: Buffer, from: DatagramPeer) => {
      if (this.#plan) this.#onPacket(msg, from);
      else if (this.#early.length < 64) this.#early.push({ msg, from });
      else this.#rejected++;
    });
  }

  get port(): number {
    return this.#sock.address().port;
  }

  /** Throws a RangeError for a plan `mediaPlanProblem` refuses (callers check it before connecting). */
  start(plan: MediaPlan, timeoutMs = 3000): Promise<MediaReport> {
    if (this.#plan) return this.done;
    const problem = mediaPlanProblem(plan);
    if (problem) throw new RangeError(problem);
    this.#plan = plan;
    this.#recv = plan.recvKey ? new SrtpContext(plan.recvKey) : null;
    for (const m of this.#early.splice(0)) this.#onPacket(m.msg, m.from);
    const send = plan.sendKey ? new SrtpContext(plan.sendKey) : null;
    const ssrc = randomBytes(4).readUInt32BE(0);
    const seq0 = randomBytes(2).readUInt16BE(0) & 0x7fff;
    const ts0 = randomBytes(4).readUInt32BE(0);
    const timer = setInterval(() => {
      if (this.#sent >= MEDIA_PACKETS || this.#finished) {
        clearInterval(timer);
        return;
      }
      const k = this.#sent++;
      const rtp = rtpPacket({ seq: seq0 + k, timestamp: ts0 + k * 160, ssrc, marker: k === 0 });
      try {
        this.#sock.send(send ? send.protect(rtp) : rtp, plan.remote.port, plan.remote.address);
      } catch {
        // The socket closed under us (lab stopped): the burst ends here.
        this.#sent = MEDIA_PACKETS;
      }
    }, 20);
    timer.unref();
    const deadline = setTimeout(() => this.#finish(), timeoutMs);
    deadline.unref();
    void this.done.then(() => {
      clearTimeout(deadline);
    });
    this.#check();
    return this.done;
  }

  #onPacket(msg: Buffer, from: DatagramPeer): void {
    if (this.#finished) return;
    const far = this.#plan?.remote;
    if (!far || from.address !== far.address || from.port !== far.port) {
      this.#rejected++;
      return;
    }
    const plain = this.#recv ? this.#recv.unprotect(msg) : msg;
    if (!plain || plain.length < RTP_HEADER_BYTES || (plain[0] ?? 0) >> 6 !== 2) {
      this.#rejected++;
      return;
    }
    this.#received++;
    this.#payload.add(msg.length - RTP_HEADER_BYTES);
    const audio = plain.subarray(RTP_HEADER_BYTES);
    this.#audio.add(audio.length);
    if (!audio.every((x) => x === 0x7f)) this.#silence = false;
    if (!msg.subarray(RTP_HEADER_BYTES, RTP_HEADER_BYTES + audio.length).every((x) => x === 0x7f))
      this.#wireSilence = false;
    this.#check();
  }

  #check(): void {
    if (this.#received >= MEDIA_PACKETS && !this.#closing) {
      this.#closing = true;
      // Let the last packets of our own burst leave before closing the socket.
      const wait = setInterval(() => {
        if (this.#finished) clearInterval(wait);
        else if (this.#sent >= MEDIA_PACKETS) {
          clearInterval(wait);
          this.#finish();
        }
      }, 20);
      wait.unref();
    }
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    const plan = this.#plan;
    const report: MediaReport = {
      media: plan?.sendKey ? 'SRTP' : 'RTP',
      localPort: this.port,
      remote: plan ? `${plan.remote.address}:${plan.remote.port}` : '',
      sent: this.#sent,
      received: this.#received,
      payloadBytes: [...this.#payload].sort((a, b) => a - b),
      audioBytes: [...this.#audio].sort((a, b) => a - b),
      rejected: this.#rejected,
      silencePattern: this.#received > 0 && this.#silence,
      wireSilencePattern: this.#received > 0 && this.#wireSilence,
    };
    try {
      this.#sock.close();
    } catch {
      // already closed (lab stopped)
    }
    this.#resolve(report);
  }

  /** Gives the port up without a call (the call failed before media). */
  close(): void {
    if (this.#finished) return;
    this.#finished = true;
    try {
      this.#sock.close();
    } catch {
      // already closed
    }
  }
}
