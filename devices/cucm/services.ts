/**
 * The services one CUCM node runs on its own lab address, started and stopped together:
 * Cisco TFTP (UDP 69 + HTTP 6970, tftp-service.ts), Cisco CallManager (SCCP 2000/2443, SIP 5060/5061,
 * registration.ts), Cisco Trust Verification Service (2445, tvs-server.ts; every node, or the
 * publisher where the release says so), Cisco Certificate Authority Proxy Function (3804,
 * capf-server.ts; the publisher only on the releases modelled, TAC-217138) and Cisco Tomcat
 * (8443 and 6972, tomcat.ts), Cisco DRF Master (4040, the publisher) and Cisco DRF Local (drf.ts).
 *
 * `restart(service)` is "utils service restart <service>" after a certificate or trust change: the
 * port swaps its secure context in place, so a client connecting as soon as it returns meets the new
 * certificate (cert-consequences.ts says which change restarts which service).
 */
import { createHash } from 'node:crypto';
import type { Artifacts } from '../../emulator/artifacts.ts';
import type { DeviceDescription } from '../../emulator/device.ts';
import type { EventKind, EventMap } from '../../emulator/events.ts';
import type { Fabric } from '../../emulator/fabric.ts';
import { err, ok, type Result } from '../../emulator/result.ts';
import { lscStatus } from '../protocols/lsc-status.ts';
import { CapfServer } from './capf-server.ts';
import type { CucmService } from './cert-consequences.ts';
import type { CertStore } from './cert-store.ts';
import type { Cluster, NodeInfo } from './cluster.ts';
import type { CucmDecl } from './declaration.ts';
import { DRF_MASTER_PORT, DRF_RETRY_MS, DrfLocalAgent, DrfMasterAgent } from './drf.ts';
import type { HttpTimeouts } from './http-deadline.ts';
import { Registration } from './registration.ts';
import type { ReleaseBehaviour } from './releases.ts';
import type { AdminError } from './security-mode.ts';
import { TftpFiles, TftpService } from './tftp-service.ts';
import { startTomcat, type Tomcat, type TomcatOptions } from './tomcat.ts';
import { TvsServer } from './tvs-server.ts';

type LogLevel = 'debug' | 'info' | 'warning' | 'error';

export interface NodeServicesHost {
  readonly name: string;
  readonly fabric: Fabric;
  readonly cluster: Cluster;
  readonly release: ReleaseBehaviour;
  readonly certs: CertStore;
  readonly artifacts: Artifacts;
  readonly isPublisher: boolean;
  readonly decl: Pick<
    CucmDecl,
    'capfTimeout' | 'tomcatCipherSelection' | 'httpHeaderTimeout' | 'httpRequestTimeout'
  >;
  /** Milliseconds of a declared duration (`60s`). */
  duration(text: string): number;
  node(): NodeInfo;
  log(source: string, text: string, level?: LogLevel): void;
  emit<K extends EventKind>(kind: K, payload: EventMap[K]): void;
}

export class NodeServices {
  readonly tftpFiles: TftpFiles;
  readonly #tftp: TftpService;
  readonly #registration: Registration;
  readonly #tvs: TvsServer | null;
  readonly #capf: CapfServer | null;
  #tomcat: Tomcat | null = null;
  readonly #drfMaster: DrfMasterAgent | null;
  readonly #drfLocal: DrfLocalAgent;

  readonly #httpTimeouts: HttpTimeouts;

  constructor(private readonly h: NodeServicesHost) {
    this.#httpTimeouts = {
      headerMs: h.duration(h.decl.httpHeaderTimeout),
      requestMs: h.duration(h.decl.httpRequestTimeout),
    };
    const host = {
      name: h.name,
      fabric: h.fabric,
      cluster: h.cluster,
      release: h.release,
      certs: h.certs,
      artifacts: h.artifacts,
      log: (source: string, text: string, level?: LogLevel) => h.log(source, text, level),
      now: () => Date.now(),
      node: () => h.node(),
      httpTimeouts: this.#httpTimeouts,
      fileChanged: (file: string, bytes: Buffer) =>
        h.emit('cucm.file-changed', {
          file,
          size: bytes.length,
          md5: createHash('md5').update(bytes).digest('hex'),
        }),
    };
    this.tftpFiles = new TftpFiles(host);
    this.#tftp = new TftpService(host, this.tftpFiles);
    this.#registration = new Registration({
      ...host,
      registered: (e) => h.emit('cucm.registered', e),
      refused: (e) => h.emit('cucm.registration-refused', e),
      unregistered: (e) => h.emit('cucm.unregistered', e),
      resetSent: (e) => h.emit('cucm.reset', e),
      callRouted: (e) => h.emit('cucm.call', e),
    });
    this.#tvs = h.release.tvsOnEveryNode || h.isPublisher ? new TvsServer(host) : null;
    this.#capf =
      h.isPublisher || !h.release.capfOnPublisherOnly
        ? new CapfServer({
            ...host,
            messageTimeoutMs: h.duration(h.decl.capfTimeout),
            capfDone: (device, operation, status) => {
              h.emit('cucm.capf', {
                deviceName: device,
                operation,
                status,
                statusName: lscStatus(status)?.name ?? String(status),
              });
              h.cluster.changed(`CAPF ${operation} for ${device}`);
            },
          })
        : null;
    const drf = { ...host, retryMs: DRF_RETRY_MS, drf: (e: EventMap['cucm.drf']) => h.emit('cucm.drf', e) };
    this.#drfMaster = h.isPublisher ? new DrfMasterAgent(drf) : null;
    this.#drfLocal = new DrfLocalAgent(drf);
  }

  get tftpPort(): number {
    return this.#tftp.port;
  }

  async start(): Promise<void> {
    await this.#tftp.start();
    await this.#registration.start();
    await this.#tvs?.start();
    await this.#capf?.start();
    this.#tomcat = await startTomcat(this.h.fabric, this.h.name, this.#tomcatOptions());
    await this.#drfMaster?.start();
    this.#drfLocal.start();
  }

  async stop(): Promise<void> {
    this.#drfLocal.stop();
    await this.#drfMaster?.stop();
    await this.#registration.stop();
    await this.#tvs?.stop();
    await this.#capf?.stop();
    await this.#tftp.stop();
    await this.#tomcat?.close();
    this.#tomcat = null;
  }

  /**
   * `utils system restart`: every service goes down and comes back. Registered phones lose their
   * connection and register again by themselves (as they do when a real node reboots); the services
   * come back with the certificates the node holds now.
   */
  async restartAll(): Promise<void> {
    this.#registration.dropAll();
    await this.stop();
    await this.start();
  }

  /** One service onto the node's current certificates and trust stores. */
  async restart(service: CucmService): Promise<void> {
    switch (service) {
      case 'CallManager':
        this.#registration.updateTls();
        return;
      case 'TVS':
        this.#tvs?.restart();
        return;
      case 'CAPF':
        this.#capf?.restart();
        return;
      case 'Tomcat':
        await this.#tomcat?.restart(this.#tomcatOptions());
        return;
    }
  }

  /**
   * `utils service restart <name>` for the services restarted by name (the others restart through
   * the certificate changes that need it, cert-consequences.ts): the name as CUCM spells it, or why not.
   */
  restartService(name: string): Result<string, AdminError> {
    const wanted = name.trim().toLowerCase();
    if (wanted === 'cisco drf local') {
      this.#drfLocal.restart();
      return ok('Cisco DRF Local');
    }
    if (wanted === 'cisco drf master') {
      if (!this.#drfMaster)
        return err({ code: 'service.not-on-node', message: 'Cisco DRF Master runs on the publisher only' });
      this.#drfMaster.restart();
      return ok('Cisco DRF Master');
    }
    return err({ code: 'service.unknown', message: `Service ${name} is not a valid service name` });
  }

  /** Resets this node's registered phones that match (over their registration connections). */
  resetPhones(match: (device: string) => boolean, reason: string): number {
    return this.#registration.reset(match, reason);
  }

  registeredDevices(): string[] {
    return this.#registration.registeredDevices();
  }

  /** The ports this node listens on, for lab.json. */
  ports(): DeviceDescription['ports'] {
    const tcp = (name: string, port: number) => ({ name, proto: 'tcp' as const, port });
    const tls = (name: string, port: number) => ({ name, proto: 'tls' as const, port });
    return [
      { name: 'tftp', proto: 'udp', port: this.#tftp.port },
      tcp('tftp-http', 6970),
      tls('tftp-https', 6972),
      tls('tomcat', 8443),
      tcp('sccp', 2000),
      tls('sccp-tls', 2443),
      tcp('sip', 5060),
      tls('sip-tls', 5061),
      ...(this.#tvs ? [tls('tvs', 2445)] : []),
      ...(this.#capf ? [tls('capf', 3804)] : []),
      ...(this.#drfMaster ? [tls('drf-master', DRF_MASTER_PORT)] : []),
    ];
  }

  #tomcatOptions(): TomcatOptions {
    const h = this.h;
    const ecdsa = h.certs.all().find((c) => c.unit === 'tomcat-ECDSA');
    return {
      identities: {
        tomcat: h.certs.tlsIdentity('tomcat'),
        'tomcat-ECDSA': ecdsa ? h.certs.tlsIdentity('tomcat-ECDSA') : null,
      },
      users: h.cluster.users,
      // HTTPS 6972 serves the same files as TFTP and HTTP 6970.
      resolveFile: (filename) => {
        const f = this.tftpFiles.get(filename.replace(/^\/+/, ''));
        return f ? ok(f.bytes) : err({ status: 404, message: 'File not found' });
      },
      log: (source, text, level) => h.log(source, text, level),
      version: h.release.version,
      servers: () => h.cluster.nodeList().map((n) => n.processNodeName),
      hostName: h.cluster.nodes.get(h.name)?.processNodeName ?? h.name,
      cipherSelection: h.decl.tomcatCipherSelection,
      timeouts: this.#httpTimeouts,
    };
  }
}
