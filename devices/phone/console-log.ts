/**
 * Phone console log lines, in the phone's own style (firmware profile `logStyle`).
 *
 * - `secd-79xx` (seed 002, 79xx console log): `NOT 09:13:17.561856 SECD: tlRequestFile: Request CTLSEP<MAC>.tlv`,
 *   `TFTP: [27]:Requesting ... from <ip>`, `TFTP: [27]:Finished --> rcvd 4762 bytes`,
 *   `SECD: validate_file_envelope: File sign verify SUCCESS; header length <296>`,
 *   `ERR ... SECD: EROR:clpSndStatus: ** SEC-ERR: code:5(SSL_ALERT) subcode:45(EXPIRED_CERT)`.
 * - `secureapp` (78xx/88xx, docs/reference/trust-files.md §2 and docs/reference/tvs.md §3, TAC-213407): `SECUREAPP-TL file verified successfully.`,
 *   `SECUREAPP-TL file updated.`, `SECUREAPP-TVS process request - processing TVS Query Certificate request`,
 *   `TVS added cert to TVS cache - expires in 24 hours`.
 * Lines marked (L) below are approximations where no public log shows the wording.
 */
import type { TlsAlert } from '../../emulator/events.ts';
import type { LogStyle } from './firmware-profiles.ts';

type Level = 'NOT' | 'ERR' | 'WRN' | 'DBG';
export type Sink = (text: string, level: 'debug' | 'info' | 'warning' | 'error') => void;

/** SEC-ERR subcode names the 79xx SECD log uses (seed 002: 45 EXPIRED_CERT); the rest follow the same pattern (L). */
const SEC_ERR_NAMES: Record<number, [string, string]> = {
  40: ['HANDSHAKE_FAILURE', 'handshake failure'],
  42: ['BAD_CERT', 'bad certificate'],
  43: ['UNSUPPORTED_CERT', 'unsupported certificate'],
  45: ['EXPIRED_CERT', 'certificate expired'],
  46: ['CERT_UNKNOWN', 'certificate unknown'],
  48: ['UNKNOWN_CA', 'unknown ca'],
  70: ['PROTOCOL_VERSION', 'protocol version'],
  80: ['INTERNAL_ERROR', 'internal error'],
};

function stamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds() * 1000, 6)}`;
}

export class PhoneConsole {
  #tftpSeq = 20;

  constructor(
    readonly style: LogStyle,
    private readonly sink: Sink,
  ) {}

  line(text: string, level: Level = 'NOT'): void {
    const lv = level === 'ERR' ? 'error' : level === 'WRN' ? 'warning' : level === 'DBG' ? 'debug' : 'info';
    this.sink(`${level} ${stamp(new Date())} ${text}`, lv);
  }

  get secd(): boolean {
    return this.style === 'secd-79xx';
  }

  /** Returns the TFTP transfer number used by the follow-up lines. */
  tftpRequest(file: string, server: string, trustFile: boolean): number {
    const n = ++this.#tftpSeq;
    if (this.secd) {
      if (trustFile) this.line(`SECD: tlRequestFile: Request ${file}`);
      this.line(`TFTP: [${n}]:Requesting ${file} from ${server}`);
    } else {
      this.line(`TFTP: Requesting ${file} from ${server}`);
    }
    return n;
  }

  tftpDone(n: number, file: string, bytes: number): void {
    this.line(
      this.secd ? `TFTP: [${n}]:Finished --> rcvd ${bytes} bytes` : `TFTP: ${file} received, ${bytes} bytes`,
    );
  }

  tftpFailed(n: number, file: string, message: string): void {
    this.line(this.secd ? `TFTP: [${n}]:${message}` : `TFTP: ${file}: ${message}`, 'WRN');
  }

  /** A signed file (CTL, ITL, .sgn) whose signature verified. */
  envelopeOk(headerLength: number, kind: 'CTL' | 'ITL' | 'config'): void {
    if (this.secd)
      this.line(`SECD: validate_file_envelope: File sign verify SUCCESS; header length <${headerLength}>`);
    else if (kind === 'config') this.line('SECUREAPP-Hashes match... authentication successful.');
    else this.line('SECUREAPP-TL file verified successfully.');
  }

  /** (L) A signed file whose signer is not trusted or whose signature does not verify. */
  envelopeFailed(kind: 'CTL' | 'ITL' | 'config', why: string): void {
    if (this.secd) this.line(`SECD: EROR:validate_file_envelope: File sign verify FAILED; ${why}`, 'ERR');
    else this.line(`SECUREAPP-${kind === 'config' ? 'File' : 'TL file'} verification failed: ${why}`, 'ERR');
  }

  trustListUpdated(kind: 'CTL' | 'ITL'): void {
    if (this.secd) this.line(`SECD: tlUpdateFile: ${kind} file updated`);
    else {
      this.line(`updateFromFile: TL parse to table: ${kind}_SUCCESS`);
      this.line('SECUREAPP-TL file updated.');
    }
  }

  /** The phone rejected the server's certificate, or received an alert (seed 002 SEC-ERR lines). */
  secErr(a: TlsAlert): void {
    const [name, desc] = SEC_ERR_NAMES[a.code] ?? [a.name.toUpperCase(), a.name.replace(/_/g, ' ')];
    if (this.secd || this.style === 'secureapp') {
      const prefix = this.secd ? 'SECD: EROR:clpSndStatus: ** ' : 'SECUREAPP-clpSndStatus: ** ';
      this.line(`${prefix}SEC-ERR: code:5(SSL_ALERT) subcode:${a.code}(${name})`, 'ERR');
      this.line(`${prefix}SEC-ERR: desc <${desc}>`, 'ERR');
    } else {
      this.line(`TLS alert ${a.name}(${a.code})`, 'ERR');
    }
  }

  tvsQuery(bytes: number): void {
    if (this.secd) {
      this.line('SECD: HTTPS cert not in CTL');
      this.line('SECD: TVS service available, can attempt via TVS');
      this.line('SECD: -No matching entry found at cache');
    } else {
      this.line('SECUREAPP-TVS process request - processing TVS Query Certificate request');
      this.line(`SECUREAPP-Successfully sent the TVS request to TVS server, bytes written : ${bytes}`);
    }
  }

  tvsResult(status: number, ttlSeconds: number): void {
    this.line(`${this.secd ? 'SECD: ' : 'SECUREAPP-'}Authentication Response received, status : ${status}`);
    if (status === 0) {
      const hours = Math.round(ttlSeconds / 3600);
      this.line(
        `${this.secd ? 'SECD: ' : 'SECUREAPP-'}TVS added cert to TVS cache - expires in ${hours} hours`,
      );
    }
  }

  tvsConnectFailed(why: string): void {
    this.line(
      `${this.secd ? 'SECD: EROR:' : 'SECUREAPP-'}TVS: unable to reach a trusted TVS server: ${why}`,
      'ERR',
    );
  }
}
