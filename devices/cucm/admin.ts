/**
 * The administrator's certificate and device operations on one node (Cisco Unified OS Administration
 * > Security > Certificate Management; Device > Phone): regenerate, CSR, CA-signed upload, trust
 * upload and delete, a phone's CAPF operation, phone resets.
 *
 * Each answers a Result whose error is the refusal text the administrator sees; node.ts turns each
 * outcome into a `cucm.admin-action` event and applies what a changed certificate causes
 * (cert-consequences.ts).
 */
import type { CucmUnit } from '../../certs/profiles.ts';
import { err, ok, type Result } from '../../emulator/result.ts';
import { LscStatusCode } from '../protocols/lsc-status.ts';
import type {
  CertError,
  CertStore,
  OwnCert,
  RegenerateOptions,
  TrustEntry,
  TrustStoreName,
} from './cert-store.ts';
import type { CapfOperationDecl, Cluster } from './cluster.ts';
import type { AdminError } from './security-mode.ts';

export interface NodeAdminHost {
  readonly cluster: Cluster;
  readonly certs: CertStore;
  /** The CallManager/TVS "modified in the last 5 minutes" guard, ms (0: off). */
  readonly regenGuardMs: number;
  /** Milliseconds since the epoch of a deadline declared relative to lab start (`+1d`). */
  deadline(relative: string): number;
  log(source: string, text: string, level?: 'debug' | 'info' | 'warning' | 'error'): void;
  /** What a changed own certificate causes (restarts, ITL, resets): applied before the call returns. */
  ownCertChanged(unit: CucmUnit, cert: OwnCert): Promise<void>;
}

/** The two certificates the ITL's TVS vouching depends on (seed 003): one may not follow the other too soon. */
const GUARDED_PAIR: Partial<Record<CucmUnit, CucmUnit>> = { CallManager: 'TVS', TVS: 'CallManager' };

export class NodeAdmin {
  constructor(private readonly h: NodeAdminHost) {}

  /**
   * "Generate Self-signed" (`set cert regen <unit>`). CallManager and TVS may not be regenerated
   * within 5 minutes of each other (seed 003): the phones' ITL could not be vouched for any more.
   */
  async regenerate(
    unit: CucmUnit,
    opts: RegenerateOptions & { ignoreGuard?: boolean } = {},
  ): Promise<Result<OwnCert, AdminError>> {
    const other = GUARDED_PAIR[unit];
    if (other && !opts.ignoreGuard && this.h.regenGuardMs > 0) {
      const otherCert = this.h.certs.own(other);
      if (otherCert.generation > 1 && Date.now() - otherCert.modifiedAt < this.h.regenGuardMs) {
        const message = `${other} certificate was modified in the last 5 minutes. Please re-try regenerating ${unit} certificate at a later time`;
        this.h.log('cli', message, 'warning');
        return err({ code: 'cert.regen-guard', message });
      }
    }
    const r = await this.h.certs.regenerate(unit, opts);
    if (r.ok) await this.h.ownCertChanged(unit, r.value);
    return r;
  }

  generateCsr(unit: CucmUnit): Promise<Result<{ csrPem: string }, CertError>> {
    return this.h.certs.generateCsr(unit);
  }

  /** Upload of a CA-signed own certificate (with its chain): the same consequences as a regeneration. */
  async uploadCaSigned(
    unit: CucmUnit,
    certFile: string | Uint8Array,
    chainFile?: string | Uint8Array,
  ): Promise<Result<OwnCert, CertError>> {
    const r = await this.h.certs.uploadCaSigned(unit, certFile, chainFile);
    if (r.ok) await this.h.ownCertChanged(unit, r.value);
    return r;
  }

  /** One PEM or DER certificate, or a DER PKCS#7 chain, per file (seed 003). */
  uploadTrust(store: TrustStoreName, file: string | Uint8Array): Result<TrustEntry[], CertError> {
    const r = this.h.cluster.trust.upload(store, file);
    if (r.ok)
      for (const e of r.value) this.h.log('cli', `Certificate ${e.file} uploaded to ${store}`, 'info');
    else this.h.log('cli', r.error.message, 'warning');
    return r;
  }

  /** Deletes trust certificates by file name (`CallManager-trust/x.pem` or `x.pem`), CN or subject text. */
  deleteTrust(store: TrustStoreName, subjectOrFile: string): Result<TrustEntry[], CertError> {
    const needle = subjectOrFile.toLowerCase();
    const gone = this.h.cluster.trust.remove(store, (e) => {
      const file = e.file.toLowerCase();
      const subject = e.cert.subject.replace(/\n/g, ', ').toLowerCase();
      const cn = /(?:^|\n)CN=([^\n]*)/.exec(e.cert.subject)?.[1]?.toLowerCase() ?? '';
      return file === needle || file.endsWith(`/${needle}`) || cn === needle || subject === needle;
    });
    if (gone.length === 0)
      return err({ code: 'cert.not-found', message: `No certificate ${subjectOrFile} in ${store}` });
    return ok(gone);
  }

  /** Sets a phone's pending CAPF operation (Device > Phone > CAPF Information). */
  setCapfOperation(phoneName: string, op: CapfOperationDecl): Result<void, AdminError> {
    const p = this.h.cluster.phone(phoneName);
    if (!p) return err({ code: 'capf.unknown-device', message: `No device named ${phoneName}` });
    p.capf = { ...op, deadline: op.completesBy ? this.h.deadline(op.completesBy) : null };
    p.certificateStatus = op.operation === 'none' ? p.certificateStatus : LscStatusCode.OPERATION_PENDING;
    this.h.cluster.changed(`CAPF operation for ${phoneName}`);
    return ok(undefined);
  }

  /** Resets phones (all, or the named ones) registered anywhere in the cluster; returns how many. */
  resetPhones(names?: string[]): number {
    const set = names ? new Set(names.map((n) => n.toUpperCase())) : null;
    return this.h.cluster.resetPhones(
      (d) => set === null || set.has(d.toUpperCase()),
      'reset from the administrator',
    );
  }
}
