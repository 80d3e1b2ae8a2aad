/**
 * One cell of a fleet as a lab declaration: the plan's cluster (a publisher `cucm-pub` and its
 * subscribers), the cell's phones configured on it (Device > Phone: model, protocol, security profile,
 * line, TFTP encrypted config, a pending CAPF Install for LSC phones) and the phone devices themselves,
 * booting from the publisher's TFTP when a step says so.
 *
 * Every cell declares the same cluster with the same seed and lab start, so every cell's CUCM issues
 * the same certificates (the run checks it: cell.ts `pkiFingerprint`); only the addresses differ, each
 * cell having its own block.
 */
import type { LabDeclaration } from '../lab.ts';
import type { FleetPhone } from './fleet.ts';
import type { PlanFile } from './plan-file.ts';

export const PUBLISHER = 'cucm-pub';
export const DOMAIN = 'lab.example';

export function subscriberName(i: number): string {
  return `cucm-sub${i + 1}`;
}

/** The cluster's nodes by name: the publisher first. */
export function clusterNodes(plan: PlanFile): string[] {
  return [PUBLISHER, ...Array.from({ length: plan.cluster.subscribers }, (_, i) => subscriberName(i))];
}

/**
 * Phone timers in a fleet: one process plays every phone and the cluster, so a TFTP block or a TLS
 * handshake may wait behind many others; the timers are those of a patient phone on a busy network
 * (a real one retries TFTP for longer still), not the short ones single-phone scenarios use.
 */
const FLEET_TIMERS = { tftpTimeoutMs: 2000, tftpRetries: 2, tlsTimeoutMs: 15_000 };

function cucmRow(p: FleetPhone) {
  return {
    name: p.name,
    model: p.model,
    protocol: p.protocol,
    security: p.security,
    line: p.line,
    ...(p.tftpEncryptedConfig ? { tftpEncryptedConfig: true } : {}),
    // An LSC phone gets its LSC from CAPF at its first boot (Install, null string), before any change.
    ...(p.certificate === 'lsc'
      ? { capf: { operation: 'install' as const, authMode: 'null-string' as const, keySize: 2048 as const } }
      : {}),
  };
}

/**
 * What a cell's lab keeps. Its timeline: summaries only, bounded. Nothing in a plan run reads a bulk
 * event back: the phones' states are followed by subscription (outcome.ts), the settle wait too
 * (settle.ts), the published ITL is taken from its event as it happens (cell.ts), and the devices read
 * back only a connection's `net.*`/`tls.*` events (the alert side channel, the peer verdict wait: never
 * bulk). The cap keeps about 25 summary events per phone (a booting phone emits about 14), so a
 * connection's events stay for many seconds after its handshake, well past the 5 s peer-verdict wait;
 * older ones are dropped and counted (`Timeline.dropped`). Its artifacts: none (no folder, and no
 * copy in memory of each phone's MIC and configuration files: nothing of a plan run reads them).
 */
export function cellLabOptions(phones: number): { artifactsDir: false; keepBulk: false; maxEvents: number } {
  return { artifactsDir: false, keepBulk: false, maxEvents: Math.max(5000, phones * 25) };
}

export function cellDeclaration(
  plan: PlanFile,
  phones: FleetPhone[],
  opts: { bootsInFlight: number },
): LabDeclaration {
  const common = {
    domain: DOMAIN,
    release: plan.cluster.release,
    regenGuard: plan.cluster.regenGuard,
  };
  return {
    devices: [
      {
        kind: 'cucm',
        name: PUBLISHER,
        aliases: [`${PUBLISHER}.${DOMAIN}`],
        ...common,
        ...(plan.cluster.mode === 'mixed' ? { mixedMode: 'etoken', etokens: 2 } : {}),
        certificates: plan.cluster.certificates,
        phones: phones.map(cucmRow),
      },
      ...Array.from({ length: plan.cluster.subscribers }, (_, i) => ({
        kind: 'cucm',
        name: subscriberName(i),
        aliases: [`${subscriberName(i)}.${DOMAIN}`],
        publisher: PUBLISHER,
        ...common,
      })),
      ...phones.map((p) => ({
        kind: 'phone',
        name: p.name,
        mac: p.mac,
        model: p.model,
        firmware: p.firmware,
        tftp: PUBLISHER,
        autoBoot: false,
        line: p.line,
        bootSlots: opts.bootsInFlight,
        timers: FLEET_TIMERS,
      })),
    ],
  };
}
