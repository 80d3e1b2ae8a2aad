/**
 * The config step of the boot: with trust lists the phone asks for its signed config
 * (`SEP<MAC>.cnf.xml.enc.sgn` first where the firmware decrypts configs, then `.cnf.xml.sgn`), without
 * them the plain `SEP<MAC>.cnf.xml` (then `XmlDefault.cnf.xml`). A signed config is taken only if its
 * signer is trusted (trust-rules.ts: a trust-list record, or TVS) and its signature verifies; an
 * encrypted one must also decrypt with the LSC or MIC key (docs/reference/trust-files.md §2, §3).
 */
import type { KeyObject } from 'node:crypto';
import { decryptEncSgn, encryptedConfigFilename, parseEncSgn } from '../../certs/enc-sgn.ts';
import { type PhoneConfig, parsePhoneConfig } from '../../certs/phone-config.ts';
import { configFilename, parseSgn, signedConfigFilename } from '../../certs/sgn.ts';
import type { SignedFileInfo } from '../../certs/tlv.ts';
import { type PhoneContext, secPrefix } from './context.ts';
import type { BootReport, ConfigOutcome, TrustedVia } from './events.ts';
import { type TftpSource, tftpFetch } from './tftp-fetch.ts';
import { configEnvelopeVerdict, configSignerVerdict, configSignerVerdictAfterTvs } from './trust-rules.ts';
import type { PhoneTvs } from './tvs-client.ts';

type Opened =
  | { ok: true; xml: Uint8Array; signer: string; via: TrustedVia }
  | { ok: false; why: string; outcome: 'untrusted' | 'malformed' | 'decrypt-failed'; signer?: string };

/** The envelope check both signed kinds share: a trusted signer, and a signature that verifies. */
async function checkEnvelope(
  p: PhoneContext,
  tvs: PhoneTvs,
  file: SignedFileInfo,
): Promise<{ ok: true; via: TrustedVia } | { ok: false; why: string; outcome: 'untrusted'; signer: string }> {
  const first = configSignerVerdict(p.trust, file.signer);
  const s =
    first.decision === 'ask-tvs'
      ? configSignerVerdictAfterTvs(file.signer, await tvs.query(file.signer, first.roles))
      : first;
  if (s.decision === 'refuse')
    return { ok: false, why: s.why, outcome: 'untrusted', signer: file.signer.name };
  const env = configEnvelopeVerdict(file, s.cert);
  if (!env.accepted) return { ok: false, why: env.reason, outcome: 'untrusted', signer: file.signer.name };
  p.console.envelopeOk(file.headerLength, 'config');
  return { ok: true, via: s.via };
}

async function openSgn(p: PhoneContext, tvs: PhoneTvs, data: Buffer): Promise<Opened> {
  const parsed = parseSgn(new Uint8Array(data));
  if (!parsed.ok) return { ok: false, why: parsed.error.message, outcome: 'malformed' };
  const v = await checkEnvelope(p, tvs, parsed.value);
  if (!v.ok) return v;
  return { ok: true, xml: parsed.value.payload, signer: parsed.value.signer.name, via: v.via };
}

async function openEncSgn(p: PhoneContext, tvs: PhoneTvs, data: Buffer): Promise<Opened> {
  const parsed = parseEncSgn(new Uint8Array(data));
  if (!parsed.ok) return { ok: false, why: parsed.error.message, outcome: 'malformed' };
  const file = parsed.value;
  const v = await checkEnvelope(p, tvs, file);
  if (!v.ok) return v;
  // Decrypt with the LSC key, else the MIC key (the config is encrypted to one of them, docs/reference/trust-files.md §3).
  const keys: KeyObject[] = [p.lsc?.key, p.mic?.key].filter((k): k is KeyObject => !!k);
  for (const k of keys) {
    const d = decryptEncSgn(file, k);
    if (d.ok) {
      p.console.line(
        `${secPrefix(p.console)}Decrypted ${file.filename} with the ${k === p.lsc?.key ? 'LSC' : 'MIC'} key`,
      );
      return { ok: true, xml: d.value, signer: file.signer.name, via: v.via };
    }
  }
  return {
    ok: false,
    why: 'the config key does not decrypt with the LSC or the MIC',
    outcome: 'decrypt-failed',
    signer: file.signer.name,
  };
}

/**
 * Fetches and checks the config; fills `report` as it goes (file, outcome, signer, via) and, on
 * success, makes it the phone's config. Null when no trusted config could be taken; the stub of an
 * encrypted config (`fullConfig` false, outcome `decrypt-failed`) when it is all the phone could read
 * and it names a pending CAPF operation.
 */
export async function configStep(
  p: PhoneContext,
  tvs: PhoneTvs,
  source: TftpSource,
  report: BootReport['config'],
): Promise<PhoneConfig | null> {
  const emit = (
    file: string,
    outcome: ConfigOutcome,
    e: { signer?: string | undefined; via?: TrustedVia; mode?: number; reason?: string },
  ) =>
    p.emit('phone.config', {
      file,
      outcome,
      signer: e.signer ?? null,
      via: e.via ?? null,
      deviceSecurityMode: e.mode ?? null,
      reason: e.reason ?? null,
    });
  let signed: { signer: string; via: TrustedVia } | null = null;
  const secure = !p.trust.empty;
  const attempts: { file: string; kind: 'plain' | 'sgn' | 'enc' }[] = secure
    ? [
        ...(p.profile.encryptedConfig
          ? [{ file: encryptedConfigFilename(p.mac), kind: 'enc' as const }]
          : []),
        { file: signedConfigFilename(p.mac), kind: 'sgn' },
      ]
    : [
        { file: configFilename(p.mac), kind: 'plain' },
        { file: 'XmlDefault.cnf.xml', kind: 'plain' },
      ];
  for (const a of attempts) {
    const data = await tftpFetch(p, source, a.file, false);
    if (!data) continue;
    report.file = a.file;
    let xml: Uint8Array;
    if (a.kind === 'plain') {
      xml = new Uint8Array(data);
      report.outcome = 'plain';
    } else {
      const opened = a.kind === 'enc' ? await openEncSgn(p, tvs, data) : await openSgn(p, tvs, data);
      if (!opened.ok) {
        report.outcome = opened.outcome;
        report.signer = opened.signer;
        p.console.envelopeFailed('config', opened.why);
        p.status(opened.outcome === 'decrypt-failed' ? 'configDecryptionFailed' : 'fileAuthError', a.file);
        emit(a.file, opened.outcome, { signer: opened.signer, reason: opened.why });
        return null;
      }
      xml = opened.xml;
      report.outcome = a.kind === 'enc' ? 'decrypted' : 'verified';
      report.signer = opened.signer;
      report.via = opened.via;
      signed = { signer: opened.signer, via: opened.via };
    }
    p.received?.('config', configFilename(p.mac), xml);
    const cfg = parsePhoneConfig(xml);
    if (!cfg.ok) {
      report.outcome = 'malformed';
      p.console.line(`CFG: ${a.file}: ${cfg.error.message}`, 'ERR');
      emit(a.file, 'malformed', { ...signed, reason: cfg.error.message });
      return null;
    }
    // The stub that goes with an encrypted config: the full config is in the .enc.sgn (docs/reference/trust-files.md §3).
    // The stub alone (no `.enc.sgn` served: CUCM trusts no certificate of the phone to encrypt to,
    // devices/cucm/trust-files.ts configRecipient) leaves the phone without a readable configuration.
    // It still names the CAPF operation, so it is handed back when one is pending: a new LSC is the
    // way to a config the phone can read (boot.ts registers only with a full config).
    if (cfg.value.encrConfig && !cfg.value.fullConfig && a.kind === 'sgn') {
      const why = `the stub of an encrypted config; ${encryptedConfigFilename(p.mac)} could not be fetched`;
      p.console.line(`CFG: ${why}`, 'ERR');
      p.status('configDecryptionFailed', encryptedConfigFilename(p.mac));
      report.outcome = 'decrypt-failed';
      emit(a.file, 'decrypt-failed', { ...signed, reason: why });
      return cfg.value.capfAuthMode !== 0 ? cfg.value : null;
    }
    p.config = cfg.value;
    report.deviceSecurityMode = cfg.value.deviceSecurityMode;
    p.console.line(
      `CFG: ${a.file} parsed: deviceSecurityMode ${cfg.value.deviceSecurityMode}, capfAuthMode ${cfg.value.capfAuthMode}`,
    );
    emit(a.file, report.outcome, { ...signed, mode: cfg.value.deviceSecurityMode });
    return cfg.value;
  }
  report.outcome = 'not-found';
  return null;
}
