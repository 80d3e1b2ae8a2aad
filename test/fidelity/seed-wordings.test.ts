/**
 * The seed-wording table says the truth about the seeds: every fixed fragment of every template is in its
 * seed's text, in order, starting on the line the entry names. And the classifier marks real seed lines as
 * seed wording and the lab's own inventions as modelled.
 */
import { describe, expect, it } from 'vitest';
import { fidelityOf, fixedFragments } from '../../emulator/fidelity/fidelity.ts';
import { SEED_WORDINGS, type SeedWording } from '../../emulator/fidelity/seed-wordings.ts';
import { itWithSeeds, normalise, seedLines } from './seed-texts.ts';

/** How many lines after `line` a wrapped wording may run on (seed 003's discovery line takes 13). */
const WINDOW = 14;

/** Where the wording's fragments are missing from its seed, or null when all are there in order. */
function missingFragment(w: SeedWording): string | null {
  let template = w.template;
  for (const [printed, copy] of w.copyArtifacts ?? []) {
    if (!template.includes(printed)) return `copy artefact "${printed}" is not in the template`;
    template = template.replace(printed, copy);
  }
  const lines = seedLines(w.seed);
  const first = normalise(lines[w.line - 1] ?? '');
  const window = normalise(lines.slice(w.line - 1, w.line - 1 + WINDOW).join('\n'));
  let from = 0;
  let started = false;
  for (const raw of fixedFragments(template)) {
    const f = normalise(raw);
    if (f.trim() === '') continue;
    const at = window.indexOf(f, from);
    if (at < 0) return `"${f}" (after offset ${from} of lines ${w.line}-${w.line + WINDOW - 1})`;
    if (!started && at > first.length) return `"${f}" does not start on line ${w.line}`;
    started = true;
    from = at + f.length;
  }
  return null;
}

describe('the seed-wording table', () => {
  itWithSeeds('every template quotes its seed word for word, from the line it names', () => {
    const wrong = SEED_WORDINGS.map((w) => ({ id: w.id, missing: missingFragment(w) })).filter(
      (r) => r.missing !== null,
    );
    expect(wrong).toEqual([]);
  });

  it('names each wording once', () => {
    const ids = SEED_WORDINGS.map((w) => w.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('names every entry after its seed', () => {
    expect(SEED_WORDINGS.filter((w) => !w.id.startsWith(`${w.seed}-`)).map((w) => w.id)).toEqual([]);
  });
});

describe('classifying a log line', () => {
  it('recognises every template with values in its placeholders, as itself', () => {
    const wrong = SEED_WORDINGS.map((w) => {
      const line = w.template.replace(/\{[A-Za-z0-9]+\}/g, '17');
      const f = fidelityOf(line);
      return { id: w.id, got: f.kind === 'seed' ? f.id : f.kind };
    }).filter((r) => r.got !== r.id);
    expect(wrong).toEqual([]);
  });

  it('recognises a templated line after the console stamp a phone writes', () => {
    const wrong = SEED_WORDINGS.filter((w) => w.sources.includes('console'))
      .map((w) => ({
        id: w.id,
        f: fidelityOf(`ERR 04:27:43.534321 ${w.template.replace(/\{[A-Za-z0-9]+\}/g, '5')}`),
      }))
      .filter((r) => r.f.kind !== 'seed' || r.f.id !== r.id);
    expect(wrong).toEqual([]);
  });

  it.each([
    ['Trust List Updated', '002-status-trust-list-updated'],
    ['SECD: tlRequestFile: Request CTLSEP0011215A1AE3.tlv', '002-secd-tl-request-file'],
    [
      'HandleSSLError - TLS protocol error(ssl reason code=block type is not 01 [106]),lib=rsa routines [4],fun=RSA_padding_check_PKCS1_type_1 [112], errno=12 for 127.0.0.11:51234',
      '000-handle-ssl-error-rsa-padding',
    ],
    [
      "[ET_NET 0] ERROR: SSL connection failed for 'cucm-pub.lab.example': error:1416F086:SSL routines:tls_process_server_certificate:certificate verify failed",
      '004-ts-ssl-connection-failed',
    ],
    ['3:SEP0011215A1AE3:Certificate upgrade successful', '002-capf-certificate-upgrade-successful'],
  ])('marks the seed line "%s" as seed wording (%s)', (text, id) => {
    const f = fidelityOf(text);
    expect(f.kind === 'seed' ? f.id : f.kind).toBe(id);
  });

  it.each([
    // docs/reference/seeds.md §5: the subcode-48 line is L, only subcode 45 is public.
    'SECD: EROR:clpSndStatus: ** SEC-ERR: code:5(SSL_ALERT) subcode:48(UNKNOWN_CA)',
    // The seed's pattern with another OpenSSL reason: M.
    'HandleSSLError - TLS protocol error(ssl reason code=certificate verify failed [134]),lib=SSL routines [20],fun=ssl3_get_client_certificate [137], errno=18 for 127.0.0.11:5061',
    'Reset request from CallManager: restart',
    'Server certificate uploaded: restart required',
    'javax.net.ssl.SSLHandshakeException: Received fatal alert: unknown_ca',
    'SECUREAPP-TL file verified successfully.',
  ])('marks the lab\'s own line "%s" as modelled', (text) => {
    expect(fidelityOf(text)).toEqual({ kind: 'modelled' });
  });
});
