/**
 * Seed 001: an Apache provisioning server asks SPA phones for their client certificate with a
 * per-directory `SSLVerifyClient require`, i.e. by renegotiation. Firmware 7.5.7 refuses the
 * renegotiation; 7.5.6c accepts it. Asking at the first handshake (server-level SSLVerifyClient) works
 * for both.
 */
import '../devices/peers/events.ts';
import { SpaPhone } from '../devices/peers/spa-phone.ts';
import { act, defineScenario, expectLog, expectNoLog, expectThat } from '../emulator/scenario.ts';

interface Params {
  firmware: 'spa-7.5.6c' | 'spa-7.5.7';
  sslVerifyClient: 'directory' | 'server';
  configExpected: boolean;
}

const AH02261 = 'AH02261: Re-negotiation handshake failed: Not accepted by client!?';

export default defineScenario<Params>({
  id: 'spa-757-renegotiation',
  title: 'SPA 7.5.7 refuses the renegotiation that per-directory SSLVerifyClient needs',
  seed: '001',
  tags: ['peers', 'spa', 'tls', 'renegotiation', 'apache'],
  symptom:
    'After upgrading SPA50x/51x phones to 7.5.7 they no longer get their configuration over HTTPS; Apache logs "AH02261: Re-negotiation handshake failed: Not accepted by client!?".',
  rootCause:
    'The client certificate is required only inside <Directory /var/www/https/Cisco> (SSLVerifyClient require), so mod_ssl first completes a handshake without it, then renegotiates to ask for it once the request arrives. Firmware 7.5.7 refuses server-initiated renegotiation (bug CSCuu14196); the SPA speaks TLS 1.0 only, where renegotiation is the only way to ask later (TLS 1.3 cannot renegotiate at all).',
  fix: 'Ask for the client certificate in the first handshake (SSLVerifyClient require at server / virtual-host level), or run firmware that accepts the renegotiation (7.5.6c, or the patched release TAC provides).',
  variants: {
    fault: {
      explain:
        'SPA 7.5.7, Apache asks for the client certificate by renegotiation (per-directory SSLVerifyClient).',
      params: { firmware: 'spa-7.5.7', sslVerifyClient: 'directory', configExpected: false },
    },
    'works-756c': {
      explain: 'Same server, SPA 7.5.6c: the phone accepts the renegotiation and sends its certificate.',
      params: { firmware: 'spa-7.5.6c', sslVerifyClient: 'directory', configExpected: true },
    },
    fix: {
      explain:
        'SPA 7.5.7, SSLVerifyClient require moved to server level: the certificate is asked for in the first handshake.',
      params: { firmware: 'spa-7.5.7', sslVerifyClient: 'server', configExpected: true },
    },
  },
  lab: (v) => ({
    devices: [
      {
        kind: 'provisioning-server',
        name: 'prov',
        aliases: ['prov.lab.example'],
        sslProtocol: ['TLSv1', 'TLSv1.1', 'TLSv1.2'],
        sslVerifyClient: v.params.sslVerifyClient,
        protectedDirectory: '/Cisco',
        serverCertHash: 'SHA-1',
      },
      {
        kind: 'spa-phone',
        name: 'spa514',
        mac: '001122334455',
        model: 'SPA514G',
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
        'The phone fetches https://prov.lab.example/Cisco/spa$MA.xml over TLS 1.0 with its factory client certificate ready.',
        async (lab) => {
          await lab.device('spa514', SpaPhone).resync();
        },
      ),
      ...(v.params.sslVerifyClient === 'directory'
        ? [
            expectLog(
              'prov',
              'AH02221: Requesting connection re-negotiation',
              'The request is for /Cisco, which requires a client certificate the first handshake did not ask for: mod_ssl renegotiates.',
            ),
          ]
        : [
            expectNoLog(
              'prov',
              'AH02221',
              'With SSLVerifyClient at server level the certificate came in the first handshake: no renegotiation is needed.',
            ),
          ]),
      ok
        ? expectNoLog('prov', AH02261, 'The renegotiation (if any) completed: Apache logs no AH02261.')
        : expectLog(
            'prov',
            AH02261,
            'Firmware 7.5.7 answers the HelloRequest with a no_renegotiation alert; Apache gives up (seed 001, word for word).',
          ),
      ok
        ? expectLog('spa514', '-- Successful resync https://', 'The phone received its profile.')
        : expectLog(
            'spa514',
            '-- Resync failed: https connection aborted',
            'The phone logs a failed resync: it has no configuration.',
          ),
      expectThat(
        ok ? 'The phone has its configuration' : 'The phone has no configuration',
        'What the user sees: with no profile the SPA keeps its old (or factory) settings.',
        async (lab) => {
          const got = lab.timeline
            .ofKind('spa-phone.resync', 'spa514')
            .filter((e) => e.outcome === 'succeeded')
            .at(-1);
          return {
            held: (got !== undefined) === ok,
            saw: got ? `profile of ${got.configBytes} bytes` : 'no profile received',
          };
        },
      ),
      expectThat(
        'The server log shows the TLS version and cipher the SPA used',
        'Seed 001 logs the crypto per request: SPA51x speak TLSv1 only.',
        async (lab) => {
          const line = lab.timeline
            .logLines('prov')
            .find((l) => l.includes('"GET /Cisco/spa001122334455.xml HTTP/1.1"') && / TLSv1 /.test(l));
          return {
            held: line !== undefined,
            saw: line ?? lab.timeline.logLines('prov').slice(-2).join(' | '),
          };
        },
      ),
    ];
  },
});
