/**
 * The cluster security mode and the trust lists that go with it, as the publisher's administrator
 * drives them: `utils ctl set-cluster mixed-mode | non-secure-mode`, `utils ctl update CTLFile`, the
 * CTL client with hardware eTokens (and with new ones, seed 002), its "Add TFTP Server" for alternate
 * TFTP servers, and `utils itl reset localkey | remotekey` (seed 003).
 *
 * Every operation answers a Result whose error is the refusal text CUCM prints; node.ts turns each
 * outcome into a `cucm.admin-action` event. The CTL is built by trust-files.ts and kept in the
 * cluster database (cluster.ts): every TFTP node of the cluster serves the same CTL.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { Identity } from '../../certs/issue.ts';
import { issueCertificate } from '../../certs/issue.ts';
import { ciscoManufacturingFor, type LabPkiRef } from '../../certs/lab-pki.ts';
import { sastTokenProfile } from '../../certs/profiles.ts';
import type { Artifacts } from '../../emulator/artifacts.ts';
import type { EventMap } from '../../emulator/events.ts';
import type { Fabric } from '../../emulator/fabric.ts';
import { err, ok, type Result, type UclabError } from '../../emulator/result.ts';
import type { AlternateTftp, Cluster } from './cluster.ts';
import type { ReleaseBehaviour } from './releases.ts';
import type { TftpFiles } from './tftp-service.ts';
import { buildCtl, buildItl, signerOf } from './trust-files.ts';

export interface AdminError extends UclabError {}

export interface SecurityModeHost {
  readonly name: string;
  readonly isPublisher: boolean;
  readonly cluster: Cluster;
  readonly release: ReleaseBehaviour;
  readonly fabric: Fabric;
  readonly artifacts: Artifacts;
  readonly tftpFiles: TftpFiles;
  readonly pkiRef: LabPkiRef;
  /** Hardware SAST tokens the CTL client uses (a .tlv holds at most 2). */
  readonly etokens: number;
  /** The tokens' password (the administrator keeps it with the tokens, seed 002 line 56). */
  readonly etokenPassword: string;
  log(source: string, text: string, level?: 'debug' | 'info' | 'warning' | 'error'): void;
  fileChanged(e: EventMap['cucm.file-changed']): void;
}

/**
 * The eToken the administrator inserts in the CTL client PC and the password typed for it. `token`
 * numbers the lab's tokens as handed to the administrator (1 signed the CTL first, 2 is the backup;
 * a number past them is a token the current CTL does not list, e.g. a newly bought one).
 */
export interface EtokenLogin {
  token: number;
  password: string;
}

/** Seed 002 line 64: "A token will self destruct after 15 failed password attempts". */
export const ETOKEN_ATTEMPTS = 15;

/**
 * The refusal when an eToken cluster's CTL is changed without a token. Seed 002 line 950: "you'll
 * need the security tokens to return from a mixed-mode to a non-secure mode. For any change ...
 * requires the use of eTokens"; line 396: "To update the CTL file at least one of the tokens inside
 * the current CTL file must be found". The sentence CUCM prints is the lab's, built from those (L).
 */
export const ETOKEN_REQUIRED: AdminError = {
  code: 'etoken.required',
  message:
    'This cluster is in Mixed mode with Security Tokens: any change to the CTL file requires the use of eTokens. To update the CTL file at least one of the tokens inside the current CTL file must be found',
};

const NOT_PUBLISHER: AdminError = {
  code: 'ctl.not-publisher',
  message: 'This command can be executed only on the publisher',
};

export class SecurityMode {
  /** Index of the next SAST token to issue (token serials and names derive from it). */
  #nextEtoken = 1;
  /** Failed password attempts per token of `cluster.etokens` (reset by a correct password, seed 002 line 162). */
  #failures: number[] = [];

  constructor(private readonly h: SecurityModeHost) {}

  #now(): number {
    return Math.floor(Date.now() / 1000);
  }

  /** Issues the cluster's eTokens (again, with new ones, when `replace`). */
  async issueEtokens(replace = false): Promise<void> {
    const cluster = this.h.cluster;
    if (cluster.etokens.length > 0 && !replace) return;
    const cisco = await ciscoManufacturingFor(this.h.pkiRef);
    const tokens: Identity[] = [];
    for (let n = 0; n < this.h.etokens; n++) {
      const i = this.#nextEtoken++;
      tokens.push(
        await issueCertificate(cluster.pki, sastTokenProfile(cluster.pki, i), cisco.manufacturingCa),
      );
    }
    cluster.etokens = tokens;
    cluster.ctlSignerToken = 0;
    this.#failures = tokens.map(() => 0);
  }

  /**
   * The CTL client's token login (seed 002 lines 158-170): the inserted token must be one the current
   * CTL lists, and its password unlocks the private key that signs the new CTL. Each wrong password
   * costs an attempt; the fifteenth destroys the token; a right one resets the counter. On success the
   * token becomes the CTL's signer.
   */
  #login(login: EtokenLogin | undefined): Result<void, AdminError> {
    const cluster = this.h.cluster;
    if (!login) return err(ETOKEN_REQUIRED);
    const index = login.token - 1;
    const token = cluster.etokens[index];
    if (!token || !Number.isInteger(login.token)) {
      return err({
        code: 'etoken.not-in-ctl',
        message:
          'The inserted Security Token is not in the current CTL file. To update the CTL file at least one of the tokens inside the current CTL file must be found',
      });
    }
    const name = /CN=([^\n]*)/.exec(token.cert.subject)?.[1]?.trim() ?? `eToken ${login.token}`;
    const failed = this.#failures[index] ?? 0;
    if (failed >= ETOKEN_ATTEMPTS) {
      return err({
        code: 'etoken.locked',
        message: `Token ${name} is permanently locked (destroyed): ${ETOKEN_ATTEMPTS} failed password attempts`,
      });
    }
    if (login.password !== this.h.etokenPassword) {
      const left = ETOKEN_ATTEMPTS - failed - 1;
      this.#failures[index] = failed + 1;
      // Seed 002 line 162: "only 14 more attempts are allowed before the token is permanently locked (destroyed)".
      const message =
        left > 0
          ? `Incorrect token password for ${name}: only ${left} more attempts are allowed before the token is permanently locked`
          : `Incorrect token password for ${name}: the token is now permanently locked (destroyed)`;
      this.h.log('ctlclient', message, 'warning');
      return err({ code: left > 0 ? 'etoken.bad-password' : 'etoken.locked', message });
    }
    this.#failures[index] = 0;
    cluster.ctlSignerToken = index;
    this.h.log('ctlclient', `Security Token ${name} unlocked: it signs the new CTL file`, 'info');
    return ok(undefined);
  }

  /** A change to the CTL: in an eToken cluster only with a token of the current CTL (seed 002 line 950). */
  #mayChangeCtl(login: EtokenLogin | undefined): Result<void, AdminError> {
    if (this.h.cluster.mixedMode !== 'etoken' || !this.h.cluster.ctl) return ok(undefined);
    return this.#login(login);
  }

  /**
   * The publisher of a lab declared in mixed mode starts with its alternate TFTP servers and the CTL
   * already generated (as a cluster that was set to mixed mode before the lab began).
   */
  startDeclared(
    mode: 'none' | 'tokenless' | 'etoken',
    alternates: { host: string; certificate?: string | undefined; role: AlternateTftp['role'] }[],
  ): Result<void, AdminError> {
    if (!this.h.isPublisher) return ok(undefined);
    const cluster = this.h.cluster;
    for (const a of alternates) {
      const r = this.#alternateTftp(a.host, a.certificate, a.role);
      if (!r.ok) return err({ ...r.error, message: `ctl.alternateTftp ${a.host}: ${r.error.message}` });
      cluster.alternateTftp.push(r.value);
    }
    if (mode !== 'none' && !cluster.ctl) {
      cluster.mixedMode = mode;
      const built = buildCtl(cluster, this.h.release, this.#now());
      if (!built.ok) return built;
      cluster.ctl = { bytes: built.value, modified: Date.now() };
      this.h.artifacts.write(`tftp/${this.h.name}/CTLFile.tlv`, built.value);
    }
    return ok(undefined);
  }

  async setMixedMode(mode: 'tokenless' | 'etoken'): Promise<Result<void, AdminError>> {
    if (!this.h.isPublisher) return err(NOT_PUBLISHER);
    if (mode === 'etoken') await this.issueEtokens();
    this.h.cluster.mixedMode = mode;
    const r = this.#publishCtl();
    return r.ok ? ok(undefined) : r;
  }

  /**
   * The CTL client run with a different set of hardware eTokens (the old ones lost or replaced): the
   * new CTL lists and is signed by tokens the phones' installed CTL does not hold (seed 002).
   */
  async replaceEtokens(): Promise<Result<Buffer, AdminError>> {
    if (!this.h.isPublisher) return err(NOT_PUBLISHER);
    if (this.h.cluster.mixedMode !== 'etoken')
      return err({ code: 'ctl.not-etoken', message: 'The cluster does not use hardware eTokens' });
    await this.issueEtokens(true);
    return this.#publishCtl();
  }

  /**
   * `utils ctl update CTLFile` (tokenless), or the CTL client's "Update CTL File" with an eToken
   * (`login`): refused in an eToken cluster without a token of the current CTL.
   */
  updateCtl(login?: EtokenLogin): Result<Buffer, AdminError> {
    if (!this.h.isPublisher) return err(NOT_PUBLISHER);
    const may = this.#mayChangeCtl(login);
    return may.ok ? this.#publishCtl() : may;
  }

  #publishCtl(): Result<Buffer, AdminError> {
    const cluster = this.h.cluster;
    if (cluster.mixedMode === 'none' && !cluster.ctl) {
      return err({
        code: 'ctl.not-mixed',
        message: 'The cluster is not in Mixed mode. Run utils ctl set-cluster mixed-mode first',
      });
    }
    const built = buildCtl(cluster, this.h.release, this.#now());
    if (!built.ok) return built;
    cluster.ctl = { bytes: built.value, modified: Date.now() };
    for (const n of cluster.nodeList()) this.h.artifacts.write(`tftp/${n.name}/CTLFile.tlv`, built.value);
    this.h.fileChanged({
      file: 'CTLFile.tlv',
      size: built.value.length,
      md5: createHash('md5').update(built.value).digest('hex'),
    });
    cluster.changed('CTL updated');
    return ok(built.value);
  }

  /**
   * `utils ctl set-cluster non-secure-mode`, or the CTL client's "Set ... Cluster to Non-Secure Mode"
   * with an eToken (`login`): an eToken cluster needs a token of its CTL (seed 002 line 950).
   */
  setNonSecure(login?: EtokenLogin): Result<void, AdminError> {
    if (!this.h.isPublisher) return err(NOT_PUBLISHER);
    const may = this.#mayChangeCtl(login);
    if (!may.ok) return may;
    const cluster = this.h.cluster;
    cluster.mixedMode = 'none';
    if (cluster.ctl) {
      const built = buildCtl(cluster, this.h.release, this.#now());
      if (built.ok) cluster.ctl = { bytes: built.value, modified: Date.now() };
    }
    cluster.changed('cluster set to non-secure mode');
    return ok(undefined);
  }

  #alternateTftp(
    host: string,
    certificatePem: string | undefined,
    role: AlternateTftp['role'],
  ): Result<AlternateTftp, AdminError> {
    const address = this.h.fabric.resolve(host);
    if (!address.ok) return err({ code: 'ctl.tftp-unknown-host', message: address.error.message });
    let cert: X509Certificate;
    if (certificatePem) {
      try {
        cert = new X509Certificate(certificatePem);
      } catch (e) {
        return err({
          code: 'ctl.tftp-bad-certificate',
          message: `the certificate of TFTP server ${host} is not a PEM certificate: ${(e as Error).message}`,
        });
      }
    } else {
      // A TFTP server that serves this cluster's own files (a relay, another address of the TFTP
      // service): they are signed by the publisher's CallManager certificate.
      const pub = this.h.cluster.publisherNode();
      if (!pub) return err({ code: 'ctl.no-publisher', message: 'the cluster has no publisher' });
      cert = pub.certs.own('CallManager').identity.cert;
    }
    return ok({ host, address: address.value, cert, role });
  }

  /**
   * The CTL client's "Add TFTP Server" (the CTL client / `utils ctl` flow then regenerates the CTL):
   * an alternate TFTP server, by lab host name or IP, with the certificate that signs its files
   * (absent: it serves this cluster's files, signed by the publisher's CallManager). Replaces an
   * entry of the same host. Returns the new CTL when the cluster has one.
   */
  addCtlTftpServer(
    host: string,
    opts: { certificate?: string; role?: AlternateTftp['role']; login?: EtokenLogin } = {},
  ): Result<Buffer | null, AdminError> {
    if (!this.h.isPublisher) return err(NOT_PUBLISHER);
    // Seed 002 line 950: "inclusion of a new server, deletion of a server ... requires the use of eTokens".
    const may = this.#mayChangeCtl(opts.login);
    if (!may.ok) return may;
    const r = this.#alternateTftp(host, opts.certificate, opts.role ?? 'TFTP');
    if (!r.ok) {
      this.h.log('cli', r.error.message, 'warning');
      return r;
    }
    const list = this.h.cluster.alternateTftp;
    const at = list.findIndex((a) => a.host.toLowerCase() === host.toLowerCase());
    if (at >= 0) list.splice(at, 1, r.value);
    else list.push(r.value);
    this.h.log('cli', `Alternate TFTP server ${host} (${r.value.address}) added to the CTL`, 'info');
    if (!this.h.cluster.ctl) return ok(null);
    return this.#publishCtl();
  }

  /** Removes an alternate TFTP server from the CTL (and regenerates the CTL when there is one). */
  removeCtlTftpServer(host: string, login?: EtokenLogin): Result<Buffer | null, AdminError> {
    if (!this.h.isPublisher) return err(NOT_PUBLISHER);
    const may = this.#mayChangeCtl(login);
    if (!may.ok) return may;
    const list = this.h.cluster.alternateTftp;
    const at = list.findIndex((a) => a.host.toLowerCase() === host.toLowerCase() || a.address === host);
    if (at < 0)
      return err({ code: 'ctl.tftp-not-found', message: `No alternate TFTP server ${host} in the CTL` });
    list.splice(at, 1);
    this.h.log('cli', `Alternate TFTP server ${host} removed from the CTL`, 'info');
    if (!this.h.cluster.ctl) return ok(null);
    return this.#publishCtl();
  }

  /**
   * `utils itl reset localkey|remotekey` (seed 003): an ITL signed with a recovery key (this
   * publisher's ITLRecovery, or another node's), served by every TFTP node until the next ITL change,
   * then every phone reset. Returns the TFTP nodes the reset ITL went to.
   */
  itlReset(which: 'localkey' | 'remotekey'): Result<string[], AdminError> {
    const cluster = this.h.cluster;
    const pub = cluster.publisherNode();
    if (!pub || !cluster.nodes.get(this.h.name))
      return err({ code: 'itl.no-publisher', message: 'the cluster has no publisher' });
    let keyNode = pub;
    if (which === 'remotekey') {
      const other = cluster.nodeList().find((n) => n.name !== pub.name);
      if (!other)
        return err({
          code: 'itl.no-remote',
          message: 'No remote node with a recovery key was found in the cluster',
        });
      keyNode = other;
    }
    const tftpNodes = cluster.nodeList();
    for (const n of tftpNodes) {
      const built = buildItl(cluster, n, this.h.release, this.#now(), signerOf(keyNode, 'ITLRecovery'));
      if (!built.ok) return built;
      if (n.name === this.h.name) this.h.tftpFiles.setItlOverride(built.value);
    }
    cluster.resetPhones(() => true, `utils itl reset ${which}`);
    return ok(tftpNodes.map((n) => n.name));
  }
}
