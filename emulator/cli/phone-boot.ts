/**
 * `uclab phone boot --tftp HOST[:PORT] --mac MAC [--model M] [--firmware F]`: an emulated phone booting
 * from any TFTP server, lab or not (product.md "Probes against real systems"). The same phone model and
 * validation as in a lab: CTL, ITL (leap of faith, TVS for unknown signers), signed/encrypted config.
 * Console and status lines go to stderr; the JSON boot report to stdout (schemaVersion 1).
 *
 * Exit codes: 0 the trust lists and the config validated (and, with --register, the phone registered);
 * 1 validation failed (a trust list refused, config missing, untrusted or undecryptable, or registration
 * failed when asked for); 2 usage error (bad MAC, unknown firmware or model, unresolvable host).
 * CAPF enrolment and registration are off by default: a probe should not change a real cluster.
 *
 * A phone's state (the before/after question of a certificate change): `--held-ctl`/`--held-itl` boot a phone that already holds these trust
 * lists (the question "will the phones that hold today's ITL accept tomorrow's?"), `--mic`/`--lsc` give
 * it its certificates, `--tvs` names the TVS server when it is not the TFTP host, and `--artifacts DIR`
 * keeps what it learned (phone-state.ts) so the same phone can boot again later from DIR.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Command } from 'commander';
import { FIRMWARE_PROFILES, profileFor } from '../../devices/phone/firmware-profiles.ts';
import { TVS_PORT } from '../../devices/protocols/tvs.ts';
import { loadHeldTrustList, loadIdentity, PhoneStateArtifacts } from './phone-state.ts';

interface PhoneBootOptions {
  tftp: string;
  mac: string;
  model?: string;
  firmware?: string;
  register?: boolean;
  capf?: boolean;
  capfAuthString?: string;
  timeout?: string;
  heldCtl?: string;
  heldItl?: string;
  mic?: string[];
  lsc?: string[];
  tvs?: string;
  artifacts?: string;
}

/** HOST[:PORT] to an address and port (names resolved as the phone's DNS would); null after a usage error. */
async function target(
  flag: string,
  spec: string,
  defaultPort: number,
): Promise<{ host: string; port: number } | null> {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(spec.trim());
  if (!m?.[1]) {
    usage(`${flag} ${spec}: expected HOST[:PORT]`);
    return null;
  }
  let host = m[1];
  const port = m[2] ? Number(m[2]) : defaultPort;
  if (!isIP(host)) {
    try {
      host = (await lookup(host, { family: 4 })).address;
    } catch (e) {
      usage(`${flag} ${spec}: cannot resolve ${host}: ${(e as Error).message}`);
      return null;
    }
  }
  return { host, port };
}

function usage(message: string): void {
  process.stderr.write(`uclab phone boot: ${message}\n`);
  process.exitCode = 2;
}

export async function phoneBoot(o: PhoneBootOptions): Promise<void> {
  const mac = o.mac.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  if (!/^[0-9A-F]{12}$/.test(mac)) return usage(`--mac ${o.mac}: a MAC address has 12 hex digits`);
  const profile = profileFor({
    ...(o.firmware ? { firmware: o.firmware } : {}),
    ...(o.model ? { model: o.model } : { model: 'CP-8861' }),
  });
  if (!profile) {
    return usage(
      `no firmware profile ${o.firmware ?? `for model ${o.model}`}; use one of ${FIRMWARE_PROFILES.map((p) => p.id).join(', ')}`,
    );
  }
  const tftp = await target('--tftp', o.tftp, 69);
  if (!tftp) return;
  const { host, port } = tftp;
  const tvs = o.tvs ? await target('--tvs', o.tvs, TVS_PORT) : undefined;
  if (tvs === null) return;
  // What the phone already holds: read before any socket opens, so bad input is exit 2 and nothing else.
  const held = [
    ...(o.heldCtl ? [loadHeldTrustList('--held-ctl', o.heldCtl, 'CTL')] : []),
    ...(o.heldItl ? [loadHeldTrustList('--held-itl', o.heldItl, 'ITL')] : []),
  ];
  const ids = [
    ...(o.mic ? [loadIdentity('--mic', 'MIC', o.mic)] : []),
    ...(o.lsc ? [loadIdentity('--lsc', 'LSC', o.lsc)] : []),
  ];
  for (const r of [...held, ...ids]) if (!r.ok) return usage(r.error);
  // Loaded here, not at the top: other commands should not pay for the phone model at start-up.
  const [{ Lab }, { Phone }] = await Promise.all([
    import('../lab.ts'),
    import('../../devices/phone/phone.ts'),
  ]);
  const lab = await Lab.create({
    name: 'phone-boot',
    seed: `phone-boot-${mac}`,
    allowExternal: true,
    ...(o.artifacts ? { artifactsDir: o.artifacts } : {}),
  });
  const name = `SEP${mac}`;
  const state = new PhoneStateArtifacts(lab.artifacts, name);
  const unsubscribe = lab.timeline.subscribe({ kind: 'log', device: name }, (e) => {
    if (e.kind === 'log')
      process.stderr.write(`${e.source === 'status' ? 'STATUS  ' : 'CONSOLE '}${e.text}\n`);
  });
  try {
    const phone = lab.add(
      new Phone(
        {
          kind: 'phone',
          name,
          aliases: [],
          mac,
          model: o.model ?? profile.models[0] ?? 'CP-8861',
          firmware: profile.id,
          tftp: `${host}:${port}`,
          autoBoot: false,
          online: true,
          ...(o.capfAuthString !== undefined ? { capfAuthString: o.capfAuthString } : {}),
          timers: { tftpTimeoutMs: Number(o.timeout ?? 1000), tftpRetries: 2 },
        },
        lab.context,
        {
          profile,
          external: true,
          ...(tvs ? { tvs } : {}),
          ...(o.artifacts ? { received: state.received } : {}),
        },
      ),
    );
    for (const r of held) if (r.ok) phone.trust.set(r.value.kind, r.value);
    for (const r of ids) {
      if (!r.ok) continue;
      if (r.value.name === 'MIC') phone.mic = r.value;
      else phone.lsc = r.value;
    }
    await lab.start();
    const report = await phone.boot({ register: o.register === true, capf: o.capf === true });
    const tlFailed = [report.ctl.outcome, report.itl.outcome].some((x) =>
      ['update-failed', 'verification-failed', 'tftp-not-authorized'].includes(x),
    );
    const configOk = ['verified', 'decrypted', 'plain'].includes(report.config.outcome);
    const registered = report.registration.state === 'registered';
    const ok = !tlFailed && configOk && (o.register !== true || registered);
    const summary = {
      ...report,
      schemaVersion: report.schemaVersion,
      verdict: {
        trustListsValidated: !tlFailed,
        configValidated: configOk,
        registered: o.register === true ? registered : null,
        wouldTrust: ok,
      },
    };
    if (o.artifacts) state.keep(phone, summary);
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    unsubscribe();
    await lab.stop();
  }
}

export function registerPhoneBootCommand(program: Command): void {
  const phone =
    program.commands.find((c) => c.name() === 'phone') ??
    program.command('phone').description('drive an emulated IP phone against any server');
  phone
    .command('boot')
    .description(
      'boot an emulated phone from any TFTP server: validate CTL, ITL and config as the phone would; JSON report on stdout',
    )
    .requiredOption('--tftp <host[:port]>', 'the TFTP server (a lab address or a real CUCM)')
    .requiredOption('--mac <mac>', 'the phone MAC address (12 hex digits)')
    .option('--model <model>', 'CUCM product name, e.g. CP-8861, CP-7975, CP-7940')
    .option('--firmware <id>', `firmware profile: ${FIRMWARE_PROFILES.map((p) => p.id).join(', ')}`)
    .option('--register', 'also register with the CallManager the config names (off by default)')
    .option('--capf', 'also run a pending CAPF operation (off by default)')
    .option('--capf-auth-string <s>', 'the CAPF authentication string to enter')
    .option('--timeout <ms>', 'TFTP per-packet timeout in ms', '1000')
    .option('--held-ctl <file>', 'boot as a phone that already holds this CTL (CTLFile.tlv)')
    .option('--held-itl <file>', 'boot as a phone that already holds this ITL (ITLFile.tlv)')
    .option('--mic <cert_key...>', 'the MIC the phone has: certificate PEM and private key PEM')
    .option('--lsc <cert_key...>', 'the LSC the phone holds: certificate PEM and private key PEM')
    .option(
      '--tvs <host[:port]>',
      'the TVS server to ask (default: the TVS list of the config, else the TFTP host)',
    )
    .option(
      '--artifacts <dir>',
      'keep what the phone learned: MIC, LSC and keys (0600), trust lists, config, key log, boot report',
    )
    .addHelpText(
      'after',
      [
        '',
        'Output:',
        '  stdout  the boot report as JSON: schemaVersion (1), phone, model, firmware, tftp, ctl, itl,',
        '          config, capf, registration, certificates, status, verdict {trustListsValidated,',
        '          configValidated, registered, wouldTrust}',
        '  stderr  the phone console (CONSOLE ...) and status messages (STATUS ...) as the boot goes',
        '',
        'Exit codes:',
        '  0  the trust lists and the config validated (and, with --register, the phone registered)',
        '  1  validation failed: a trust list refused, the config missing, untrusted or undecryptable,',
        '     or registration failed with --register',
        '  2  usage error: bad MAC, unknown firmware or model, unresolvable host, a held file that is',
        '     not a trust list, a certificate and key that do not belong together',
        '',
        'Artifacts (--artifacts DIR):',
        '  DIR/phones/SEP<MAC>/MIC.pem, MIC.key, LSC.pem, LSC.key   the phone certificates (keys 0600)',
        '  DIR/phones/SEP<MAC>/tftp/<file>    every file as received over TFTP',
        '  DIR/phones/SEP<MAC>/config/<file>  the config as the phone read it (verified, decrypted)',
        '  DIR/phones/SEP<MAC>/held/CTLFile.tlv, ITLFile.tlv   the trust lists the phone holds after the boot',
        '  DIR/phones/SEP<MAC>/boot-report.json   the report printed on stdout',
        '  DIR/keys.log   the TLS key log (0600), for Wireshark',
        '',
        'Examples:',
        '  uclab phone boot --tftp 10.0.0.10 --mac 001122334455 --model CP-7975',
        '  uclab phone boot --tftp 10.0.0.10 --mac 001122334455 --artifacts today',
        '  uclab phone boot --tftp 10.0.0.10 --mac 001122334455 \\',
        '      --held-itl today/phones/SEP001122334455/held/ITLFile.tlv \\',
        '      --mic today/phones/SEP001122334455/MIC.pem today/phones/SEP001122334455/MIC.key',
      ].join('\n'),
    )
    .action(phoneBoot);
}
