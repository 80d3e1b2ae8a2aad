/**
 * The Expressway-E end of a traversal zone (seed 003): it listens on 7001 with mutual TLS, checks the
 * Expressway-C's certificate against its trusted CA list and the zone's TLS verify subject name, and
 * logs each attempt in the `tvcs` wording of seed 003 (`Event="Inbound TLS Negotiation Error" ...`).
 */
import type { EventMap } from '../../emulator/events.ts';
import type { Fabric, TlsServerConfig, TrustVerdict } from '../../emulator/fabric.ts';
import type { SecureStream } from '../../emulator/net/types.ts';
import { alertForVerifyError } from '../../emulator/tls-alerts.ts';
import { utc } from './log-time.ts';
import { addressInCertificate, chainErrorOf, verifyErrorText } from './origin.ts';
import type { ServerIdentity } from './pki.ts';
import { commonNameOf } from './trust-store.ts';

export interface TraversalServerHost {
  fabric: Fabric;
  device: string;
  address: string;
  identity(): ServerIdentity;
  trust(): string[];
  log(text: string, level: 'info' | 'error'): void;
  zone(e: EventMap['expressway.traversal-zone']): void;
}

export interface TraversalServer {
  port: number;
  verifyName: string;
  /** Applies the current trusted CA list to new connections (after an upload). */
  reload(): void;
}

export async function listenTraversal(
  host: TraversalServerHost,
  port: number,
  verifyName: string,
): Promise<TraversalServer> {
  const trafficLine = (remote: { address: string; port: number }, detail: string, cn: string) =>
    `Event="Inbound TLS Negotiation Error" Service="SIP" Src-ip="${remote.address}" Src-port="${remote.port}" Dst-ip="${host.address}" Dst-port="${port}" Detail="${detail}" Protocol="TLS" Common-name="${cn}" Level="1" UTCtime="${utc()}"`;
  const config = (): TlsServerConfig => {
    const id = host.identity();
    return {
      identities: [{ certPem: id.certPem, keyPem: id.keyPem }],
      trust: host.trust(),
      requestCert: true,
      maxVersion: 'TLSv1.2',
    };
  };
  const failed = (peer: string, detail: string, peerCn: string | null, alert: TrustVerdict['alert']) =>
    host.zone({ role: 'server', peer, port, state: 'failed', detail, peerCn, alert: alert ?? null });
  const listener = await host.fabric.listenTls(host.device, port, config(), {
    verify: (h): TrustVerdict => {
      const leaf = h.peerChain[0];
      const cn = leaf ? (commonNameOf(leaf) ?? '') : '';
      const chainError = chainErrorOf(h);
      if (!leaf || chainError) {
        const code = chainError ?? 'NO_PEER_CERTIFICATE';
        const detail = `certificate verify failed: ${verifyErrorText(code)}`;
        host.log(trafficLine(h.remote, detail, cn), 'error');
        const alert = alertForVerifyError(code);
        failed(h.remote.address, detail, cn || null, alert);
        return { accepted: false, reason: verifyErrorText(code), alert };
      }
      if (!addressInCertificate(leaf, verifyName)) {
        const detail = `TLS verify subject name ${verifyName} not in certificate`;
        host.log(trafficLine(h.remote, detail, cn), 'error');
        const alert = alertForVerifyError('HOSTNAME_MISMATCH');
        failed(h.remote.address, detail, cn || null, alert);
        return { accepted: false, reason: `${verifyName} not in the client certificate`, alert };
      }
      return { accepted: true, reason: 'traversal client certificate trusted' };
    },
    onConnection: (c) => {
      const cn = c.handshake.peerChain[0] ? commonNameOf(c.handshake.peerChain[0]) : '';
      host.log(
        `Event="Inbound TLS Connection" Service="SIP" Src-ip="${c.remote.address}" Src-port="${c.remote.port}" Dst-port="${port}" Common-name="${cn}" Detail="Zone active" UTCtime="${utc()}"`,
        'info',
      );
      host.zone({
        role: 'server',
        peer: c.remote.address,
        port,
        state: 'active',
        detail: 'Zone active',
        peerCn: cn || null,
        alert: null,
      });
      const stream: SecureStream = c.socket;
      stream.end();
    },
    onFailure: (e) => {
      // The C refused our certificate: its alert arrives on the wire or through the side channel.
      if (!e.alert) return;
      const remote = e.handshake?.remote ?? { address: '', port: 0 };
      const cn = commonNameOf(host.identity().cert) ?? '';
      const detail = `tlsv1 alert ${e.alert.name.replace(/_/g, ' ')}`;
      host.log(trafficLine(remote, detail, cn), 'error');
      failed(remote.address, detail, null, e.alert);
    },
  });
  return { port, verifyName, reload: () => listener.update(config()) };
}
