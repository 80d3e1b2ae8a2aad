/**
 * Seed 001: SPA firmware 7.5.6c (and 7.5.7) verifies only SHA-1 signatures; a provisioning server whose
 * certificate is signed with SHA-256 cannot be verified, the handshake fails and the phone gets no
 * configuration. Fixes: a SHA-1-signed server certificate, or firmware that knows SHA-2.
 */
import '../devices/peers/events.ts';
import { SpaPhone } from '../devices/peers/spa-phone.ts';
import { act, defineScenario, expectLog, expectThat } from '../emulator/scenario.ts';

interface Params {
  firmware: string;
  serverCertHash: 'SHA-1' | 'SHA-256';
  configExpected: boolean;
}

export default defineScenario<Params>({
  id: 'spa-756-sha256',
  title: 'SPA 7.5.6c cannot verify a SHA-256-signed provisioning server certificate',
  seed: '001',
  tags: ['peers', 'spa', 'tls', 'sha1'],
  symptom:
    'After the CA reissued the provisioning server certificate (now SHA-256 signed), SPA phones on 7.5.6c stop resyncing over HTTPS; the TLS handshake fails.',
  rootCause:
    'SPA50x/51x 7.5.x link OpenSSL 0.9.8 initialised without SHA-2 digests: a sha256WithRSAEncryption signature cannot be verified, certificate verification fails (certificate signature failure) and the phone aborts the handshake with alert decrypt_error(51).',
  fix: 'Serve a SHA-1-signed certificate to these phones (zero-touch SPA fleets need it), or upgrade to firmware that verifies SHA-256.',
  variants: {
    fault: {
      explain: 'SPA 7.5.6c, provisioning server certificate signed with SHA-256.',
      params: { firmware: 'spa-7.5.6c', serverCertHash: 'SHA-256', configExpected: false },
    },
    'fix-sha1-cert': {
      explain: 'Same phone, the server certificate reissued with a SHA-1 signature.',
      params: { firmware: 'spa-7.5.6c', serverCertHash: 'SHA-1', configExpected: true },
    },
    'fix-newer-firmware': {
      explain:
        'SHA-256 certificate kept, phone on a later firmware that verifies SHA-2 (approximation: a lab row, see devices/peers/spa-firmware.ts).',
      params: { firmware: 'spa-7.6-sha2', serverCertHash: 'SHA-256', configExpected: true },
    },
  },
  lab: (v) => ({
    devices: [
      {
        kind: 'provisioning-server',
        name: 'prov',
        aliases: ['prov.lab.example'],
        serverCertHash: v.params.serverCertHash,
        // Client certificate at the first handshake, so renegotiation plays no part here.
        sslVerifyClient: 'server',
      },
      {
        kind: 'spa-phone',
        name: 'spa504',
        mac: '0011223344aa',
        model: 'SPA504G',
        firmware: v.params.firmware,
        profileRule: 'https://prov.lab.example/Cisco/spa$MA.xml',
      },
    ],
  }),
  steps: (v) => {
    const ok = v.params.configExpected;
    return [
      act(
        'The SPA resyncs its profile',
        'The phone opens TLS 1.0 to the provisioning server and checks its certificate chain.',
        async (lab) => {
          await lab.device('spa504', SpaPhone).resync();
        },
      ),
      expectThat(
        ok
          ? 'The phone accepts the server certificate'
          : 'The phone refuses the server certificate with decrypt_error(51)',
        ok
          ? 'Every signature below the trust anchor uses a hash the firmware can verify.'
          : 'OpenSSL 0.9.8 without SHA-2 reports X509_V_ERR_CERT_SIGNATURE_FAILURE, which it sends as alert decrypt_error.',
        async (lab) => {
          const v2 = lab.timeline.ofKind('tls.verdict', 'spa504')[0];
          if (!v2) return { held: false, saw: 'the phone gave no verdict (no handshake?)' };
          const held = ok
            ? v2.accepted
            : !v2.accepted && v2.alert?.name === 'decrypt_error' && v2.alert.code === 51;
          return {
            held,
            saw: `${v2.accepted ? 'accepted' : 'refused'}: ${v2.reason}${v2.alert ? ` alert ${v2.alert.name}(${v2.alert.code})` : ''}`,
          };
        },
      ),
      ok
        ? expectLog('spa504', '-- Successful resync https://', 'The phone received its profile.')
        : expectLog(
            'spa504',
            '-- Resync failed: https server certificate rejected',
            'The phone logs the failed resync and keeps no new configuration.',
          ),
      expectThat(
        ok ? 'The phone has its configuration' : 'The phone has no configuration',
        'What the user sees.',
        async (lab) => {
          const got = lab.timeline
            .ofKind('spa-phone.resync', 'spa504')
            .filter((e) => e.outcome === 'succeeded')
            .at(-1);
          return {
            held: (got !== undefined) === ok,
            saw: got ? `profile of ${got.configBytes} bytes` : 'no profile received',
          };
        },
      ),
    ];
  },
});
