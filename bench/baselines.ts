/**
 * The fleet benchmarks' same-run baselines, each on every core (one worker thread per core, rates
 * added up), with no model logic:
 *   - raw mutual-TLS handshakes/s (node:tls, both ends in one thread, 16 at a time);
 *   - the bare-protocol boot: three TFTP reads (the project's TFTP codec, real UDP) of files the size
 *     of a CTL, an ITL and a signed config, one mutual-TLS handshake and one request/response;
 *   - the same with a client secure context built per boot, as each phone has its own.
 * The client presents what a phone presents: a MIC (RSA 2048, devices/phone/manufacturing.ts) and its
 * issuer, the Cisco Manufacturing CA SHA2, from a context with no trust store (a phone verifies its
 * servers in its own model: emulator/net/secure-contexts.ts); the server verifies that chain to the
 * Cisco Root CA, as CUCM does against CallManager-trust.
 * bench/fleet.bench.ts and bench/plans.bench.ts report their figures as ratios against these.
 */
import { createSocket } from 'node:dgram';
import * as tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createPkiContext, type Identity, issueCertificate } from '../certs/issue.ts';
import { ciscoCaProfile, enterpriseRootCaProfile, micProfile } from '../certs/profiles.ts';
import { tftpGet } from '../devices/protocols/tftp/client.ts';
import { startTftpServer } from '../devices/protocols/tftp/server.ts';
import { ok } from '../emulator/result.ts';

const SELF = fileURLToPath(import.meta.url);

// ------------------------------------------------------------------------------------ identities

export interface BenchIdentities {
  /** The server's CA and the server. */
  ca: Identity;
  server: Identity;
  /** The phone's MIC, the intermediate it sends with it, and the root the server trusts for it. */
  client: Identity;
  clientChain: string[];
  clientRoot: Identity;
}

export async function identities(): Promise<BenchIdentities> {
  const ctx = createPkiContext({ seed: 'fleet-bench' });
  const ca = await issueCertificate(ctx, enterpriseRootCaProfile({ cn: 'Fleet Bench CA' }));
  const server = await issueCertificate(
    ctx,
    {
      name: 'bench-server',
      subject: [['CN', 'bench-server']],
      key: { kind: 'rsa', bits: 2048 },
      extKeyUsage: ['serverAuth', 'clientAuth'],
    },
    ca,
  );
  const root = await issueCertificate(ctx, ciscoCaProfile('Cisco Root CA 2048'));
  const cmca = await issueCertificate(ctx, ciscoCaProfile('Cisco Manufacturing CA SHA2'), root);
  const client = await issueCertificate(
    ctx,
    micProfile(ctx, { model: 'CP-8845', mac: '001122334455' }),
    cmca,
  );
  return { ca, server, client, clientChain: [cmca.certPem], clientRoot: root };
}

/** A client context as a phone's: its MIC and the MIC's issuer, its key, and no trust store. */
export function phoneContext(id: BenchIdentities): tls.SecureContext {
  return tls.createSecureContext({
    key: id.client.keyPem,
    cert: [id.client.certPem, ...id.clientChain].join('\n'),
  });
}

/** A mutual-TLS server's options as CUCM's: its certificate, client certificates verified to the root. */
export function serverOptions(id: BenchIdentities): tls.TlsOptions {
  return {
    key: id.server.keyPem,
    cert: id.server.certPem,
    ca: [id.clientRoot.certPem],
    requestCert: true,
    rejectUnauthorized: true,
  };
}

// ------------------------------------------------------------------------------------ baselines

/**
 * `bare-boot-own-context`: the bare-protocol boot with a secure context built for each boot from the
 * client's PEM, as each phone has one (it presents a certificate of its own, and node cannot present
 * another certificate from a shared client context): the floor of a phone with its own identity.
 */
export type Role = { role: 'handshakes' | 'bare-boot' | 'bare-boot-own-context'; seconds: number };

/** A mutual-TLS server on 127.0.0.1 answering one request per connection. */
export async function tlsServer(id: BenchIdentities): Promise<{ port: number; close(): void }> {
  const server = tls.createServer(serverOptions(id));
  server.on('secureConnection', (s) => {
    s.on('error', () => {});
    s.once('data', () => s.end(Buffer.alloc(200, 1)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as { port: number }).port, close: () => server.close() };
}

export function handshake(ctx: tls.SecureContext, port: number, exchange: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, secureContext: ctx, rejectUnauthorized: false });
    s.once('error', reject);
    s.once('secureConnect', () => {
      if (!exchange) {
        s.destroy();
        resolve();
        return;
      }
      s.write(Buffer.alloc(100, 2));
      s.once('data', () => {
        s.destroy();
        resolve();
      });
    });
  });
}

/** One worker's part of a baseline: as many as it can in `seconds`, 16 at a time. */
async function baselineWorker(r: Role): Promise<number> {
  const id = await identities();
  const srv = await tlsServer(id);
  const shared = phoneContext(id);
  // Files the size of a CTL, an ITL and a signed config (what a phone reads at boot).
  const files = new Map([
    ['CTLFile.tlv', Buffer.alloc(7611, 3)],
    ['ITLFile.tlv', Buffer.alloc(7557, 4)],
    ['SEP000000000001.cnf.xml.sgn', Buffer.alloc(3116, 5)],
  ]);
  const bindUdp = (port: number) =>
    new Promise<ReturnType<typeof createSocket>>((resolve) => {
      const s = createSocket('udp4');
      s.bind(port, '127.0.0.1', () => resolve(s));
    });
  const tftp = await startTftpServer({
    bind: bindUdp,
    port: 0,
    // Every lane reads from 127.0.0.1: one peer with 16 transfers at once, and a finished one holds
    // its slot until its last ACK is in (the default allows 8 per peer).
    maxTransfersPerPeer: 256,
    resolve: async (name) => {
      const f = files.get(name);
      return f ? ok(f) : { ok: false, error: { tftpCode: 1, message: 'File not found' } };
    },
  });
  const tftpPort = tftp.address.port;
  const deadline = Date.now() + r.seconds * 1000;
  let done = 0;
  const lane = async () => {
    while (Date.now() < deadline) {
      if (r.role !== 'handshakes') {
        for (const filename of files.keys()) {
          const g = await tftpGet({
            bind: bindUdp,
            server: { address: '127.0.0.1', port: tftpPort },
            filename,
            timeoutMs: 2000,
            retries: 2,
          });
          if (!g.ok) throw new Error(g.error.message);
        }
      }
      const ctx = r.role === 'bare-boot-own-context' ? phoneContext(id) : shared;
      await handshake(ctx, srv.port, r.role !== 'handshakes');
      done++;
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  srv.close();
  await tftp.close();
  return done / r.seconds;
}

/** A baseline on every core: one worker thread per core, rates added up. */
export async function onAllCores(role: Role['role'], seconds: number, cores: number): Promise<number> {
  const rates = await Promise.all(
    Array.from(
      { length: cores },
      () =>
        new Promise<number>((resolve, reject) => {
          const w = new Worker(
            `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(
              `file://${SELF}`,
            )}); });`,
            { eval: true, workerData: { role, seconds } satisfies Role },
          );
          w.once('message', (m: number) => {
            resolve(m);
            void w.terminate();
          });
          w.once('error', reject);
        }),
    ),
  );
  return rates.reduce((a, b) => a + b, 0);
}

// A baseline worker: started by onAllCores with its role.
if (!isMainThread && (workerData as Partial<Role> | null)?.role) {
  baselineWorker(workerData as Role).then(
    (rate) => parentPort?.postMessage(rate),
    (e: Error) => {
      throw e;
    },
  );
}
