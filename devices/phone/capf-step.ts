/**
 * The CAPF step of the boot: when the config says an operation is pending (capfAuthMode != 0), the
 * phone runs the CAPF exchange (capf-client.ts) with the CAPF server of its config, checking that
 * server against its CTL/ITL CAPF record (trust-rules.ts), and takes what CAPF did: a new LSC, the LSC
 * deleted, or a failure with the status message the firmware shows. The outcome is a `phone.capf` event.
 */
import type { X509Certificate } from 'node:crypto';
import { identityFromPem } from '../../certs/issue.ts';
import type { PhoneConfig } from '../../certs/phone-config.ts';
import { runCapf } from './capf-client.ts';
import { type PhoneContext, secPrefix } from './context.ts';
import type { PhoneCertView } from './events.ts';
import { capfServerVerdict } from './trust-rules.ts';

export function certView(c: X509Certificate): PhoneCertView {
  return {
    subject: c.subject.replace(/\n/g, ', '),
    issuer: c.issuer.replace(/\n/g, ', '),
    serial: c.serialNumber,
    notBefore: new Date(c.validFrom).toISOString(),
    notAfter: new Date(c.validTo).toISOString(),
  };
}

export async function capfStep(
  p: PhoneContext,
  cfg: PhoneConfig,
): Promise<{ outcome: string; detail?: string }> {
  const entry = cfg.capfList.find((c) => c.processNodeName) ?? null;
  const host = entry?.processNodeName || cfg.callManagers[0]?.processNodeName;
  const server = host ? `${host}:${entry?.phonePort ?? 3804}` : null;
  const done = (r: { outcome: string; detail?: string }) => {
    p.emit('phone.capf', {
      outcome: r.outcome,
      detail: r.detail ?? null,
      server,
      lsc: p.lsc ? certView(p.lsc.cert) : null,
    });
    return r;
  };
  if (!host) return done({ outcome: 'skipped', detail: 'no CAPF server in the config' });
  const mic = await p.ensureMic();
  p.console.line(
    `${secPrefix(p.console)}CAPF: operation pending (capfAuthMode ${cfg.capfAuthMode}), connecting to ${host}:${entry?.phonePort ?? 3804}`,
  );
  const outcome = await runCapf({
    fabric: p.fabric,
    device: p.name,
    deviceName: p.deviceName,
    server: { host, port: entry?.phonePort ?? 3804 },
    tls: { ...p.tlsOptions() },
    verifyServer: (c) => capfServerVerdict(p.trust, c),
    authMode: cfg.capfAuthMode as 1 | 2 | 3 | 4,
    ...(p.capfAuthString !== undefined ? { authString: p.capfAuthString } : {}),
    mic,
    lsc: p.lsc,
    maxRsaKeyBits: p.profile.maxRsaKeyBits,
    signedDataForm: p.profile.capfSignedData ?? 'raw-sha1',
    ecSupport: p.profile.ecSupport,
    takeKey: (spec) => p.takeLscKey(spec),
    log: (text, level) => p.console.line(`${secPrefix(p.console)}${text}`, level === 'error' ? 'ERR' : 'NOT'),
    timeoutMs: p.timers.tlsTimeoutMs ?? 10_000,
  });
  switch (outcome.kind) {
    case 'installed': {
      const pem = outcome.lsc.toString();
      p.lsc = identityFromPem(`${p.deviceName}/LSC`, pem, outcome.key);
      p.writeArtifact(`phones/${p.name}/LSC.pem`, pem);
      p.writeArtifact(`phones/${p.name}/LSC.key`, p.lsc.keyPem);
      p.status('lscInstalled');
      return done({ outcome: 'installed', detail: outcome.lsc.subject.replace(/\n/g, ', ') });
    }
    case 'deleted':
      p.lsc = null;
      p.status('lscDeleted');
      return done({ outcome: 'deleted' });
    case 'no-valid-server':
      p.console.line(`${p.console.secd ? 'SECD: EROR:' : 'SECUREAPP-'}CAPF: ${outcome.message}`, 'ERR');
      p.status('noValidCapfServer');
      return done({ outcome: 'no-valid-server', detail: outcome.message });
    case 'nothing-to-fetch':
      return done({ outcome: 'nothing-to-fetch', detail: outcome.message });
    case 'failed':
      p.status('lscOperationFailed');
      return done({ outcome: 'failed', detail: outcome.message });
    default:
      return done({ outcome: outcome.kind });
  }
}
