/**
 * What the admin CLI (cli.ts) may see and do on a CUCM node: the node as an administrator meets it,
 * not the node class. The CLI depends on this interface only, so the node (node.ts) can use the CLI
 * without the two importing each other; CucmNodeDevice satisfies it structurally.
 */
import type { CucmUnit } from '../../certs/profiles.ts';
import type { Result } from '../../emulator/result.ts';
import type { CertError, CertStore, OwnCert, TrustEntry, TrustStoreName } from './cert-store.ts';
import type { Cluster } from './cluster.ts';
import type { CucmDecl } from './declaration.ts';
import type { ReleaseBehaviour } from './releases.ts';
import type { AdminError } from './security-mode.ts';
import type { TftpFiles } from './tftp-service.ts';

export interface CucmAdmin {
  readonly address: string;
  readonly decl: Pick<CucmDecl, 'domain' | 'mixedMode'>;
  readonly release: Pick<ReleaseBehaviour, 'version'>;
  /** `show cert list own`, `show cert own <unit>`. */
  readonly certs: Pick<CertStore, 'all' | 'own'>;
  /** Trust stores (`show cert list trust`), the device and processnode tables (`run sql`). */
  readonly cluster: Pick<Cluster, 'trust' | 'phones' | 'nodes' | 'changed'>;
  /** `show ctl`, `show itl`, `file list tftp`. */
  readonly tftpFiles: Pick<TftpFiles, 'ctl' | 'itl' | 'list'>;

  regenerate(unit: CucmUnit): Promise<Result<OwnCert, AdminError>>;
  deleteTrust(store: TrustStoreName, subjectOrFile: string): Result<TrustEntry[], CertError>;
  restartSystem(): Promise<void>;
  /** `utils service restart <name>`: the service's name as CUCM spells it, or why not. */
  restartService(name: string): Result<string, AdminError>;
  setMixedMode(mode: 'tokenless' | 'etoken'): Promise<Result<void, AdminError>>;
  setNonSecure(): Result<void, AdminError>;
  updateCtl(): Result<Buffer, AdminError>;
  itlReset(which: 'localkey' | 'remotekey'): Result<string[], AdminError>;
}
