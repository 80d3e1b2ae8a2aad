/**
 * `uclab probe origin HOST[:PORT] --trust FILE [--trust FILE ...]`: runs the Expressway-C traffic server's origin
 * verification (devices/expressway/origin.ts, the same code, not a copy) against any HTTPS server, a
 * real CUCM's 8443 or 6972 included, and prints what the traffic server would log and answer, once per
 * cipher preference (ECDSA first, as a fresh X14.2; RSA first, with the `ECDHE-RSA-AES256-GCM-SHA384:`
 * prefix) unless told which. Exit 0: it would pass; 1: it would fail; 2: usage.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Command } from 'commander';
import { httpGetOver } from '../../devices/expressway/https-get.ts';
import { connectOrigin } from '../../devices/expressway/origin.ts';
import { cipherList, RELEASE_IDS, RELEASES } from '../../devices/expressway/releases.ts';
import { SCHEMA_VERSION } from '../events.ts';
import type { Handshake } from '../fabric.ts';
import { collect, readTrustFiles } from './trust-option.ts';

export interface ProbeOptions {
  trust?: string[];
  version?: string;
  ciphers?: string;
  addressAsAdvertised?: string;
  verifyOriginServer?: 'On' | 'Off';
  path?: string;
  json?: boolean;
}

export interface ProbeResult {
  preference: string;
  ciphers: string;
  presented: { subject: string; issuer: string; keyType: string; selfSigned: boolean; sha256: string } | null;
  negotiated: { version: string; cipher: string } | null;
  verdict: 'pass' | 'fail';
  reason: string;
  traffic_server: string[];
  answer: string;
}

export interface ProbeReport {
  schemaVersion: number;
  target: { host: string; address: string; port: number; advertised: string };
  release: string;
  verifyOriginServer: 'On' | 'Off';
  verifies: boolean;
  results: ProbeResult[];
  verdict: 'pass' | 'fail';
}

class UsageError extends Error {}

function splitTarget(target: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(target);
  if (!m?.[1]) throw new UsageError(`bad target ${target}: use HOST[:PORT]`);
  const port = m[2] ? Number(m[2]) : 8443;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`bad port in ${target}`);
  return { host: m[1], port };
}

function presentedOf(h: Handshake | null | undefined): ProbeResult['presented'] {
  const c = h?.peerChain[0];
  if (!c) return null;
  const k = c.publicKey;
  const d = k.asymmetricKeyDetails;
  return {
    subject: c.subject.replace(/\n/g, ', '),
    issuer: c.issuer.replace(/\n/g, ', '),
    keyType:
      k.asymmetricKeyType === 'ec'
        ? `EC ${d?.namedCurve ?? ''}`.trim()
        : `RSA ${d?.modulusLength ?? ''}`.trim(),
    selfSigned: c.subject === c.issuer && c.checkIssued(c),
    sha256: c.fingerprint256,
  };
}

/** Runs the probe; throws UsageError for bad arguments. */
export async function probeOrigin(target: string, o: ProbeOptions): Promise<ProbeReport> {
  const { host, port } = splitTarget(target);
  const release = o.version ?? 'X14.2';
  const rel = RELEASES[release];
  if (!rel) throw new UsageError(`unknown --version ${release}; use one of ${RELEASE_IDS.join(', ')}`);
  const read = readTrustFiles(o.trust ?? []);
  if (!read.ok) throw new UsageError(read.message);
  const trust = read.pems;
  let address = host;
  if (!isIP(host)) {
    try {
      address = (await lookup(host, { family: 4 })).address;
    } catch (e) {
      throw new UsageError(`cannot resolve ${host}: ${(e as Error).message}`);
    }
  }
  const advertised = o.addressAsAdvertised ?? host;
  const verifyOriginServer = o.verifyOriginServer ?? 'On';
  const verifies = rel.verifiesOrigin && verifyOriginServer === 'On';
  const prefs: { preference: string; ciphers: string }[] = o.ciphers
    ? [
        {
          preference: o.ciphers === 'rsa' || o.ciphers === 'ecdsa' ? o.ciphers : 'list',
          ciphers: cipherList(o.ciphers),
        },
      ]
    : [
        { preference: 'ecdsa', ciphers: cipherList('ecdsa') },
        { preference: 'rsa', ciphers: cipherList('rsa') },
      ];
  const { Lab } = await import('../lab.ts');
  const lab = await Lab.create({ name: 'probe-origin', allowExternal: true });
  const results: ProbeResult[] = [];
  try {
    lab.fabric.addHost('expressway-c-probe');
    for (const p of prefs) {
      const lines: string[] = [];
      const r = await connectOrigin(
        lab.fabric,
        'expressway-c-probe',
        { host: address, port, advertised },
        { verify: verifies, trust, ciphers: p.ciphers },
        (l) => lines.push(l),
      );
      if (!r.ok) {
        results.push({
          preference: p.preference,
          ciphers: p.ciphers,
          presented: presentedOf(r.error.handshake),
          negotiated: r.error.handshake
            ? { version: r.error.handshake.version, cipher: r.error.handshake.cipher }
            : null,
          verdict: 'fail',
          reason: r.error.decision?.reason ?? r.error.message,
          traffic_server: lines,
          answer: 'HTTP/1.1 502 connect failed',
        });
        continue;
      }
      const h = r.value.conn.handshake;
      const path = o.path ?? (port === 8443 ? '/cucm-uds/version' : '/');
      const a = await httpGetOver(r.value.conn.socket, `${advertised}:${port}`, path, { timeoutMs: 5000 });
      r.value.conn.socket.destroy();
      results.push({
        preference: p.preference,
        ciphers: p.ciphers,
        presented: presentedOf(h),
        negotiated: { version: h.version, cipher: h.cipher },
        verdict: 'pass',
        reason: r.value.decision.reason,
        traffic_server: lines,
        answer:
          a instanceof Error
            ? `HTTP/1.1 502 connect failed (${a.message})`
            : `HTTP/1.1 ${a.status} ${a.reason}`,
      });
    }
  } finally {
    await lab.stop();
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    target: { host, address, port, advertised },
    release,
    verifyOriginServer,
    verifies,
    results,
    verdict: results.every((r) => r.verdict === 'pass') ? 'pass' : 'fail',
  };
}

export function formatProbe(r: ProbeReport): string {
  const out: string[] = [
    `Origin ${r.target.advertised} (${r.target.address}:${r.target.port}) as Expressway-C ${r.release} would see it` +
      ` (origin verification ${r.verifies ? 'on' : `off: ${r.release === 'X14.0' ? 'X14.0 does not verify' : 'VerifyOriginServer Off'}`})`,
  ];
  for (const x of r.results) {
    out.push('', `cipher preference: ${x.preference}${x.preference === 'list' ? ` (${x.ciphers})` : ''}`);
    if (x.presented) {
      out.push(
        `  presented: ${x.presented.subject} [${x.presented.keyType}${x.presented.selfSigned ? ', self-signed' : `, issued by ${x.presented.issuer}`}]`,
      );
    }
    if (x.negotiated) out.push(`  negotiated: ${x.negotiated.version} ${x.negotiated.cipher}`);
    for (const l of x.traffic_server) out.push(`  traffic_server: ${l}`);
    out.push(`  answer: ${x.answer}`, `  verdict: ${x.verdict === 'pass' ? 'PASS' : 'FAIL'} (${x.reason})`);
  }
  out.push(
    '',
    `overall: ${r.verdict === 'pass' ? 'PASS: MRA requests to this origin would go through' : 'FAIL: MRA requests to this origin would get 502 connect failed'}`,
  );
  return `${out.join('\n')}\n`;
}

export function registerProbeCommand(program: Command): void {
  const probe =
    program.commands.find((c) => c.name() === 'probe') ??
    program.command('probe').description('probe real systems as a lab device would');
  probe
    .command('origin')
    .description(
      'verify an HTTPS origin (CUCM 8443/6972) as the Expressway-C traffic server does; exit 0 pass, 1 would fail, 2 usage',
    )
    .argument('<target>', 'HOST[:PORT] (default port 8443)')
    .option(
      '--trust <file>',
      'a certificate file (PEM bundle or DER) of the Expressway-C trusted CA list; repeat for more',
      collect,
    )
    .option('--version <release>', `Expressway release (${RELEASE_IDS.join(', ')})`, 'X14.2')
    .option('--ciphers <pref>', 'rsa, ecdsa or an OpenSSL cipher list (default: both rsa and ecdsa)')
    .option(
      '--address-as-advertised <addr>',
      'the FQDN or IP CUCM advertises (System > Server), checked against SAN/CN',
    )
    .option(
      '--verify-origin-server <onoff>',
      'xConfiguration EdgeConfigServer VerifyOriginServer (On|Off)',
      'On',
    )
    .option('--path <path>', 'request path when the connection passes')
    .option('--json', 'print JSON on stdout')
    .action(async (target: string, o: ProbeOptions & { verifyOriginServer?: string }) => {
      try {
        const v = (o.verifyOriginServer ?? 'On').toLowerCase();
        if (v !== 'on' && v !== 'off') throw new UsageError('--verify-origin-server takes On or Off');
        const report = await probeOrigin(target, { ...o, verifyOriginServer: v === 'on' ? 'On' : 'Off' });
        if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else process.stdout.write(formatProbe(report));
        process.exitCode = report.verdict === 'pass' ? 0 : 1;
      } catch (e) {
        process.stderr.write(`uclab probe origin: ${(e as Error).message}\n`);
        process.exitCode = 2;
      }
    });
}
