/**
 * The Cisco TFTP service of one node: TFTP on UDP 69 (devices/protocols/tftp/server.ts, bound through
 * the fabric so replies come from the node's own address) and the same files over HTTP on 6970
 * (tftp-http.ts, a minimal HTTP/1.1 GET server of our own). HTTPS 6972 is Tomcat's (tomcat.ts); it uses `get()`, so
 * the three serve the same bytes: phone files, trust lists, and the CSF (Jabber) configs of end users.
 *
 * Files are generated once per change, not per request (architecture decision 9): the ITL when one
 * of its certificates changes, the CTL when an admin runs `utils ctl ...`, a phone's config when
 * the cluster database changes (lazily, on the first request after the change). Every generated file
 * is written to the artifacts as `tftp/<node>/<file>`, so `uclab inspect` can read it.
 *
 * Trace lines follow seed 002's ctftp SDI trace:
 * `TFTPEngine::isReadRequest[0x...~188~<ip>~<port>], [CTLSEP0011215A1AE3.tlv] opcode(1), Mode(octet), Serving Count(0)`
 * `TID[...] TFTPEngine::processMessage[0x...~188~<ip>~<port>], Transferred[CTLFile.tlv] Socket[5]`
 */
import { createHash } from 'node:crypto';
import type { Artifacts } from '../../emulator/artifacts.ts';
import type { Fabric, Listener } from '../../emulator/fabric.ts';
import { ownedBytes } from '../../emulator/owned-bytes.ts';
import { err, ok, type Result } from '../../emulator/result.ts';
import { tftpTransferEvent } from '../protocols/events.ts';
import { TFTP_ERROR_TEXT, TftpErrorCode } from '../protocols/tftp/packet.ts';
import { startTftpServer, type TftpPeer, type TftpServer } from '../protocols/tftp/server.ts';
import type { Cluster, NodeInfo } from './cluster.ts';
import type { HttpTimeouts } from './http-deadline.ts';
import type { ReleaseBehaviour } from './releases.ts';
import { serveTftpHttp, type TftpHttpHost } from './tftp-http.ts';
import {
  buildItl,
  buildPhoneFiles,
  csfConfigXml,
  itlEntries,
  phoneFilesInput,
  xmlDefault,
} from './trust-files.ts';

export const TFTP_HTTP_PORT = 6970;

export interface TftpHost {
  readonly name: string;
  readonly fabric: Fabric;
  readonly cluster: Cluster;
  readonly release: ReleaseBehaviour;
  readonly artifacts: Artifacts;
  node(): NodeInfo;
  now(): number;
  log(source: string, text: string, level?: 'debug' | 'info' | 'warning' | 'error'): void;
  fileChanged(file: string, bytes: Buffer): void;
  /** Header and request deadlines of HTTP 6970 (tftp-http.ts). */
  readonly httpTimeouts: HttpTimeouts;
}

export interface ServedFile {
  bytes: Buffer;
  /** Lab-clock ms of the last change. */
  modified: number;
}

function md5(b: Buffer): string {
  return createHash('md5').update(b).digest('hex');
}

export class TftpFiles {
  #itl: (ServedFile & { key: string }) | null = null;
  /** A reset ITL (`utils itl reset ...`) served instead of the normal ITL until the next ITL change. */
  #itlOverride: ServedFile | null = null;
  #xmlDefault: (ServedFile & { version: number }) | null = null;
  /** Per phone: its files, the cluster version they were last checked at, and the key they were built from. */
  readonly #phones = new Map<string, { version: number; key: string; files: Map<string, ServedFile> }>();
  readonly #csf = new Map<string, ServedFile & { version: number }>();

  constructor(private readonly h: TftpHost) {}

  #write(file: string, bytes: Buffer): void {
    this.h.artifacts.write(`tftp/${this.h.name}/${file}`, bytes);
  }

  /** The ITL this node serves; rebuilt (and re-signed) only when its records change. */
  itl(): ServedFile {
    const node = this.h.node();
    // Every phone's boot asks for it: the key is the records' roles and certificate fingerprints (which
    // node:crypto computes once per certificate), not the records themselves.
    const key = itlEntries(this.h.cluster, node, this.h.release)
      .map((e) => `${e.role}:${e.cert.fingerprint256}`)
      .join('|');
    if (this.#itl && this.#itl.key === key) return this.#itlOverride ?? this.#itl;
    this.#itlOverride = null;
    const built = buildItl(this.h.cluster, node, this.h.release, Math.floor(this.h.now() / 1000));
    if (!built.ok) throw new Error(`${this.h.name}: cannot build the ITL: ${built.error.message}`);
    this.#itl = { bytes: built.value, modified: this.h.now(), key };
    this.#write('ITLFile.tlv', built.value);
    this.h.log(
      'tftp',
      `Tftp Itl file generated: ITLFile.tlv size(${built.value.length}) md5(${md5(built.value)})`,
    );
    this.h.fileChanged('ITLFile.tlv', built.value);
    return this.#itl;
  }

  setItlOverride(bytes: Buffer): void {
    this.itl();
    this.#itlOverride = { bytes, modified: this.h.now() };
    this.#write('ITLFile.tlv', bytes);
    this.h.fileChanged('ITLFile.tlv', bytes);
  }

  ctl(): ServedFile | null {
    const c = this.h.cluster.ctl;
    return c ? { bytes: c.bytes, modified: c.modified } : null;
  }

  #phoneFiles(device: string): Map<string, ServedFile> | null {
    const p = this.h.cluster.phone(device);
    if (!p) return null;
    const id = p.decl.name.toUpperCase();
    const cached = this.#phones.get(id);
    if (cached && cached.version === this.h.cluster.version) return cached.files;
    const input = phoneFilesInput(this.h.cluster, this.h.node(), p);
    // Nothing a phone's files are built from changed: they stay as served, bytes and dates (a new
    // build would sign, and encrypt, anew: new bytes for the same content).
    if (cached && cached.key === input.key) {
      cached.version = this.h.cluster.version;
      return cached.files;
    }
    const built = buildPhoneFiles(input, Math.floor(this.h.now() / 1000));
    if (!built.ok) {
      this.h.log('tftp', `Cannot build the configuration of ${device}: ${built.error.message}`, 'error');
      return null;
    }
    const files = new Map<string, ServedFile>();
    for (const [name, bytes] of built.value.files) {
      // A file whose bytes did not change keeps its date (the plain config, when only the signer did).
      const previous = cached?.files.get(name);
      if (previous?.bytes.equals(bytes)) files.set(name, previous);
      else {
        files.set(name, { bytes: ownedBytes(bytes), modified: this.h.now() });
        this.#write(name, bytes);
      }
    }
    // A file no longer served (the plain config once the config is encrypted) leaves the artifacts too.
    for (const name of cached?.files.keys() ?? [])
      if (!files.has(name)) this.h.artifacts.remove(`tftp/${this.h.name}/${name}`);
    this.#phones.set(id, { version: this.h.cluster.version, key: input.key, files });
    return files;
  }

  /** An end user's CSF (Jabber) device: `CSF<USER>.cnf.xml`, rebuilt when the cluster changes. */
  #csfFile(device: string): ServedFile | null {
    const user = this.h.cluster.users.find((u) => u.devices.some((d) => d.toUpperCase() === device));
    const name = user?.devices.find((d) => d.toUpperCase() === device);
    if (!user || !name) return null;
    const cached = this.#csf.get(device);
    if (cached && cached.version === this.h.cluster.version) return cached;
    const bytes = Buffer.from(csfConfigXml(this.h.cluster, name, user.id));
    if (cached?.bytes.equals(bytes)) {
      cached.version = this.h.cluster.version;
      return cached;
    }
    const file = { bytes, modified: this.h.now(), version: this.h.cluster.version };
    this.#csf.set(device, file);
    this.#write(`${name}.cnf.xml`, bytes);
    return file;
  }

  /** The bytes of a file as TFTP/HTTP serve it, by clean relative name; case-insensitive like CUCM's TFTP. */
  get(name: string): ServedFile | null {
    const base = name.split('/').pop() ?? name;
    const upper = base.toUpperCase();
    if (upper === 'ITLFILE.TLV') return this.itl();
    if (upper === 'CTLFILE.TLV') return this.ctl();
    let m = /^ITLSEP([0-9A-F]{12})\.TLV$/.exec(upper);
    if (m) return this.h.cluster.phone(`SEP${m[1]}`) ? this.itl() : null;
    m = /^CTLSEP([0-9A-F]{12})\.TLV$/.exec(upper);
    if (m) return this.h.cluster.phone(`SEP${m[1]}`) ? this.ctl() : null;
    if (upper === 'XMLDEFAULT.CNF.XML') {
      if (!this.#xmlDefault || this.#xmlDefault.version !== this.h.cluster.version) {
        const bytes = Buffer.from(xmlDefault(this.h.cluster));
        if (!this.#xmlDefault?.bytes.equals(bytes)) {
          this.#write('XmlDefault.cnf.xml', bytes);
          this.#xmlDefault = { bytes, modified: this.h.now(), version: this.h.cluster.version };
        } else this.#xmlDefault.version = this.h.cluster.version;
      }
      return this.#xmlDefault;
    }
    m = /^(CSF[^/]+)\.CNF\.XML$/.exec(upper);
    if (m) return this.#csfFile(m[1] as string);
    m = /^(SEP[0-9A-F]{12})\.CNF\.XML(\.SGN|\.ENC\.SGN)?$/.exec(upper);
    if (m) {
      const files = this.#phoneFiles(m[1] as string);
      if (!files) return null;
      for (const [n, f] of files) if (n.toUpperCase() === upper) return f;
      return null;
    }
    return null;
  }

  /** What the request is served as (`CTLSEP<MAC>.tlv` → `CTLFile.tlv`, seed 002's "Transferred[...]"). */
  servedName(name: string): string {
    const base = name.split('/').pop() ?? name;
    if (/^ITLSEP[0-9A-F]{12}\.tlv$/i.test(base)) return 'ITLFile.tlv';
    if (/^CTLSEP[0-9A-F]{12}\.tlv$/i.test(base)) return 'CTLFile.tlv';
    return base;
  }

  /** `file list tftp <pattern>`: the files that exist, with sizes and dates. */
  list(): { name: string; size: number; modified: number }[] {
    const out: { name: string; size: number; modified: number }[] = [];
    const add = (name: string, f: ServedFile | null) => {
      if (f) out.push({ name, size: f.bytes.length, modified: f.modified });
    };
    add('CTLFile.tlv', this.ctl());
    add('ITLFile.tlv', this.itl());
    add('XmlDefault.cnf.xml', this.get('XmlDefault.cnf.xml'));
    for (const p of this.h.cluster.phones.values()) {
      const files = this.#phoneFiles(p.decl.name);
      if (files) for (const [n, f] of files) add(n, f);
    }
    for (const u of this.h.cluster.users)
      for (const d of u.devices) if (/^CSF/i.test(d)) add(`${d}.cnf.xml`, this.#csfFile(d.toUpperCase()));
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }
}

export class TftpService {
  #tftp: TftpServer | null = null;
  #http: Listener | null = null;
  #served = 0;

  constructor(
    private readonly h: TftpHost,
    readonly files: TftpFiles,
  ) {}

  get port(): number {
    return this.h.fabric.tftpPort();
  }

  #ctx(peer: TftpPeer): string {
    const hash = createHash('md5').update(`${this.h.name}`).digest('hex').slice(0, 7);
    return `0x${hash}~188~${peer.address}~${peer.port}`;
  }

  async start(): Promise<void> {
    this.#tftp = await startTftpServer({
      bind: (port) => this.h.fabric.bindUdp(this.h.name, port),
      port: this.port,
      resolve: async (filename, peer): Promise<Result<Buffer, { tftpCode: number; message: string }>> => {
        const f = this.files.get(filename);
        if (!f) {
          this.h.log(
            'tftp',
            `TFTPEngine::processMessage[${this.#ctx(peer)}], Error: File not found[${filename}]`,
            'warning',
          );
          return err({ tftpCode: TftpErrorCode.FILE_NOT_FOUND, message: TFTP_ERROR_TEXT[1] as string });
        }
        return ok(f.bytes);
      },
      onEvent: (e) => {
        const transfer = tftpTransferEvent(e);
        if (transfer) this.h.fabric.timeline.emit(this.h.name, 'tftp.transfer', transfer);
        switch (e.type) {
          case 'rrq':
            this.h.log(
              'tftp',
              `TFTPEngine::isReadRequest[${this.#ctx(e.peer)}], [${e.filename}] opcode(1), Mode(${e.mode}), Serving Count(${this.#served})`,
              'debug',
            );
            break;
          case 'transfer-complete':
            this.h.log(
              'tftp',
              `TID[${createHash('md5').update(e.filename).digest('hex').slice(0, 8)}] TFTPEngine::processMessage[${this.#ctx(e.peer)}], Transferred[${this.files.servedName(e.filename)}] Socket[5]`,
              'debug',
            );
            this.#served++;
            break;
          case 'transfer-error':
            if (e.code !== TftpErrorCode.FILE_NOT_FOUND) {
              this.h.log(
                'tftp',
                `TFTPEngine::processMessage[${this.#ctx(e.peer)}], Error(${e.code}): ${e.message}${e.filename ? ` [${e.filename}]` : ''}`,
                'warning',
              );
            }
            break;
          case 'malformed':
            this.h.log(
              'tftp',
              `TFTPEngine::processMessage[${this.#ctx(e.peer)}], invalid packet: ${e.reason}`,
              'warning',
            );
            break;
        }
      },
    });
    const http: TftpHttpHost = {
      log: (source, text, level) => this.h.log(source, text, level),
      now: () => this.h.now(),
      file: (name) => this.files.get(name),
      servedName: (name) => this.files.servedName(name),
      context: (peer) => this.#ctx(peer),
      timeouts: this.h.httpTimeouts,
      request: (e) => this.h.fabric.timeline.emit(this.h.name, 'http.request', e),
    };
    this.#http = await this.h.fabric.listenTcp(this.h.name, TFTP_HTTP_PORT, (c) => serveTftpHttp(http, c));
  }

  async stop(): Promise<void> {
    await this.#tftp?.close();
    await this.#http?.close();
    this.#tftp = null;
    this.#http = null;
  }
}
