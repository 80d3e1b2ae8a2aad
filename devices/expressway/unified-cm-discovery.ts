/**
 * Configuration > Unified Communications > Unified CM servers > New (seed 003/004): the Expressway-C
 * connects to the publisher's 8443 and, with TLS verify mode On, checks the chain against its trusted
 * CA list and the publisher address as entered against the certificate's SAN/CN; then it reads the
 * cluster's nodes as CUCM advertises them (`/cucm-uds/servers`). The management log lines follow
 * seed 003 (`Module="developer.management.cucmconfig" ... Detail="Certificate validation failed"`).
 */
import type { Fabric, Handshake, TrustVerdict } from '../../emulator/fabric.ts';
import { isIpAddress, type SecureStream } from '../../emulator/net/types.ts';
import { err, ok, type Result, type UclabError } from '../../emulator/result.ts';
import { alertForVerifyError } from '../../emulator/tls-alerts.ts';
import { httpGetOver } from './https-get.ts';
import { utc } from './log-time.ts';
import { addressInCertificate, chainErrorOf, verifyErrorText } from './origin.ts';
import { pythonCertDict } from './python-cert-dict.ts';

export interface DiscoveredCluster {
  publisher: string;
  nodes: string[];
  version: string;
}

export interface DiscoveryFailure extends UclabError {
  /** The management log's Detail/Host/Error fields, as logged. */
  detail: string;
}

export interface DiscoveryHost {
  fabric: Fabric;
  /** The Expressway-C's device name (the connection's source). */
  device: string;
  /** The trusted CA list, PEM. */
  trust(): string[];
  /** A line of the management log. */
  log(text: string, level: 'info' | 'warning'): void;
}

function managementLine(level: 'WARN' | 'INFO', rest: string): string {
  return `UTCTime="${utc()}" Module="developer.management.cucmconfig" Level="${level}" ${rest}`;
}

export async function discoverUnifiedCm(
  host: DiscoveryHost,
  publisher: string,
  tlsVerify: 'On' | 'Off',
): Promise<Result<DiscoveredCluster, DiscoveryFailure>> {
  let failure: string | null = null;
  const verify = (h: Handshake): TrustVerdict => {
    if (tlsVerify === 'Off') return { accepted: true, reason: 'TLS verify mode Off' };
    const leaf = h.peerChain[0];
    const ce = chainErrorOf(h);
    if (ce) {
      failure = `Detail="Certificate validation failed" Host="${publisher}" Error="[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ${verifyErrorText(ce)}"`;
      return { accepted: false, reason: verifyErrorText(ce), alert: alertForVerifyError(ce) };
    }
    if (!leaf || !addressInCertificate(leaf, publisher)) {
      failure = `Detail="Certificate validation failed" Host="${publisher}" Error="Server presented certificate that does not match host ${publisher}: ${leaf ? pythonCertDict(leaf) : '{}'}"`;
      return {
        accepted: false,
        reason: `${publisher} not in certificate`,
        alert: alertForVerifyError('HOSTNAME_MISMATCH'),
      };
    }
    return { accepted: true, reason: 'certificate valid for the publisher address' };
  };
  const r = await host.fabric.connectTls(
    host.device,
    { host: publisher, port: 8443 },
    {
      trust: host.trust(),
      maxVersion: 'TLSv1.2',
      servername: isIpAddress(publisher) ? false : publisher,
    },
    verify,
  );
  if (!r.ok) {
    const detail = failure ?? `Detail="Unable to connect" Host="${publisher}" Error="${r.error.message}"`;
    host.log(managementLine('WARN', `CodeLocation="ucqueryrun(100)" ${detail}`), 'warning');
    return err({
      code: 'expressway.discovery.failed',
      message: `Unable to communicate with ${publisher}. ${failure ? 'TLS verify failed' : r.error.message}`,
      detail,
    });
  }
  const stream: SecureStream = r.value.socket;
  const servers = await httpGetOver(stream, `${publisher}:8443`, '/cucm-uds/servers');
  if (servers instanceof Error || servers.status !== 200) {
    const why = servers instanceof Error ? servers.message : `HTTP ${servers.status}`;
    const detail = `Detail="Unified CM discovery failed" Host="${publisher}" Error="${why}"`;
    host.log(managementLine('WARN', detail), 'warning');
    return err({
      code: 'expressway.discovery.failed',
      message: `Unified CM discovery of ${publisher} failed: ${why}`,
      detail,
    });
  }
  const nodes = [...servers.body.toString('utf8').matchAll(/<server>([^<]+)<\/server>/g)]
    .map((m) => m[1] ?? '')
    .filter(Boolean);
  const cluster = { publisher, nodes: nodes.length > 0 ? nodes : [publisher], version: '' };
  host.log(
    managementLine(
      'INFO',
      `Detail="Unified CM servers discovered" Host="${publisher}" TLS-verify-mode="${tlsVerify}" Nodes="${cluster.nodes.join(',')}"`,
    ),
    'info',
  );
  return ok(cluster);
}
