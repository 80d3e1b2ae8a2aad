/**
 * The Expressway-C end of a traversal zone (seed 003): a mutual-TLS connection to the Expressway-E on
 * 7001, each end checking the other's certificate against its trusted CA list and the peer's name, and
 * Maintenance > Security > Secure traversal test, which makes that connection on demand. The `tvcs`
 * lines follow seed 003 (`Event="Outbound TLS Negotiation Error" ... Detail="tlsv1 alert unknown ca"`).
 */
import type { X509Certificate } from 'node:crypto';
import type { EventMap, TlsAlert } from '../../emulator/events.ts';
import type { Fabric, Handshake, TrustVerdict } from '../../emulator/fabric.ts';
import { isIpAddress, type SecureStream } from '../../emulator/net/types.ts';
import { err, ok, type Result, type UclabError } from '../../emulator/result.ts';
import { alertForVerifyError } from '../../emulator/tls-alerts.ts';
import { utc } from './log-time.ts';
import { addressInCertificate, chainErrorOf, verifyErrorText } from './origin.ts';
import type { ServerIdentity } from './pki.ts';
import { commonNameOf } from './trust-store.ts';

export interface TraversalTestResult {
  result: 'Success' | 'Failure';
  description: string;
}

export interface TraversalError extends UclabError {
  /** The traffic log's Detail, which the secure traversal test shows as its description. */
  detail: string;
  alert: TlsAlert | null;
}

export interface TraversalClientHost {
  fabric: Fabric;
  device: string;
  address: string;
  fqdn: string;
  identity(): ServerIdentity | null;
  trust(): string[];
  log(source: 'tvcs' | 'management', text: string, level: 'info' | 'warning' | 'error'): void;
  zone(e: EventMap['expressway.traversal-zone']): void;
}

function cnOf(cert: X509Certificate | undefined): string | null {
  return cert ? commonNameOf(cert) : null;
}

/** Opens the traversal client zone's TLS connection to `peer`:`port` and closes it once verified. */
export async function connectTraversal(
  host: TraversalClientHost,
  peer: string,
  port: number,
): Promise<Result<{ peerCn: string | null }, TraversalError>> {
  const identity = host.identity();
  if (!identity)
    return err({
      code: 'expressway.traversal.unconfigured',
      message: 'no server certificate loaded',
      detail: '',
      alert: null,
    });
  let refused: string | null = null;
  let seenCn: string | null = null;
  const verify = (h: Handshake): TrustVerdict => {
    const leaf = h.peerChain[0];
    seenCn = cnOf(leaf);
    const ce = chainErrorOf(h);
    if (ce) {
      refused = 'certificate verify failed';
      return { accepted: false, reason: verifyErrorText(ce), alert: alertForVerifyError(ce) };
    }
    if (!leaf || !addressInCertificate(leaf, peer)) {
      refused = `certificate does not match peer address ${peer}`;
      return { accepted: false, reason: refused, alert: alertForVerifyError('HOSTNAME_MISMATCH') };
    }
    return { accepted: true, reason: 'Expressway-E certificate trusted' };
  };
  const r = await host.fabric.connectTls(
    host.device,
    { host: peer, port },
    {
      identity: { certPem: identity.certPem, keyPem: identity.keyPem },
      trust: host.trust(),
      maxVersion: 'TLSv1.2',
      servername: isIpAddress(peer) ? false : peer,
    },
    verify,
  );
  if (!r.ok) {
    const detail =
      refused ?? (r.error.alert ? `tlsv1 alert ${r.error.alert.name.replace(/_/g, ' ')}` : r.error.message);
    const local = r.error.handshake?.local;
    const remote = r.error.handshake?.remote;
    const dst = host.fabric.resolve(peer);
    const ownCn = commonNameOf(identity.cert) ?? host.fqdn;
    host.log(
      'tvcs',
      `Event="Outbound TLS Negotiation Error" Service="SIP" Src-ip="${local?.address ?? host.address}" Src-port="${local?.port ?? 0}" Dst-ip="${remote?.address ?? (dst.ok ? dst.value : peer)}" Dst-port="${port}" Detail="${detail}" Protocol="TLS" Common-name="${ownCn}" Level="1" UTCtime="${utc()}"`,
      'error',
    );
    const alert = r.error.verdict?.alert ?? r.error.alert ?? null;
    host.zone({ role: 'client', peer, port, state: 'failed', detail, peerCn: seenCn, alert });
    return err({
      code: 'expressway.traversal.tls',
      message: `traversal zone to ${peer}:${port} failed: ${detail}`,
      detail,
      alert,
    });
  }
  const peerCn = cnOf(r.value.handshake.peerChain[0]);
  const stream: SecureStream = r.value.socket;
  stream.end();
  host.log(
    'tvcs',
    `Event="Outbound TLS Connection" Service="SIP" Dst-ip="${r.value.remote.address}" Dst-port="${port}" Common-name="${peerCn ?? ''}" Detail="Zone active" UTCtime="${utc()}"`,
    'info',
  );
  host.zone({ role: 'client', peer, port, state: 'active', detail: 'Zone active', peerCn, alert: null });
  return ok({ peerCn });
}

/**
 * Maintenance > Security > Secure traversal test (seed 003): "FQDN of Expressway-E" and "TLS verify
 * name of this Expressway-C (as it appears on the Expressway-E)". Checks our own certificate holds
 * the verify name, then makes the mutual-TLS connection both ends verify.
 */
export async function secureTraversalTest(
  host: TraversalClientHost,
  o: { expresswayE: string; tlsVerifyName: string; port: number },
): Promise<TraversalTestResult> {
  const identity = host.identity();
  if (!identity) return { result: 'Failure', description: 'No server certificate loaded' };
  if (!addressInCertificate(identity.cert, o.tlsVerifyName)) {
    const res = {
      result: 'Failure' as const,
      description: `TLS verify name ${o.tlsVerifyName} is not in the Subject CN or SAN of this Expressway-C's certificate`,
    };
    host.log('management', `Secure traversal test: ${res.result}: ${res.description}`, 'warning');
    return res;
  }
  const r = await connectTraversal(host, o.expresswayE, o.port);
  const res: TraversalTestResult = r.ok
    ? { result: 'Success', description: 'Success' }
    : { result: 'Failure', description: r.error.detail };
  host.log(
    'management',
    `Secure traversal test: ${res.result}${r.ok ? '' : `: ${res.description}`}`,
    r.ok ? 'info' : 'warning',
  );
  return res;
}
