/**
 * How a line and a checked pattern are classified: the rules around the table, beyond its entries.
 */
import { describe, expect, it } from 'vitest';
import { fidelityById, fidelityOf } from '../../emulator/fidelity/fidelity.ts';
import {
  patternFidelity,
  quotedLength,
  quotedWording,
  regExpGlob,
} from '../../emulator/fidelity/pattern-fidelity.ts';
import type { SeedWording } from '../../emulator/fidelity/seed-wordings.ts';

const idOf = (f: ReturnType<typeof fidelityOf>) => (f.kind === 'seed' ? f.id : 'modelled');

describe('fidelityOf', () => {
  it('reads a console line after the stamp the phone wrote into it', () => {
    expect(idOf(fidelityOf('NOT 09:13:17.561856 SECD: tlRequestFile: Request CTLSEP0011215A1AE3.tlv'))).toBe(
      '002-secd-tl-request-file',
    );
  });

  it('takes the lab values in the placeholders', () => {
    expect(
      idOf(
        fidelityOf(
          '[ET_NET 0] WARNING: SNI (127.128.37.10) not in certificate. Action=Terminate server=127.128.37.10(127.128.37.10)',
        ),
      ),
    ).toBe('004-ts-sni-not-in-certificate');
  });

  it('does not take a line that goes on after the wording', () => {
    expect(fidelityOf('Trust List Updated (CTL)')).toEqual({ kind: 'modelled' });
  });

  it('does not take a line that only ends with the wording', () => {
    expect(fidelityOf('SECUREAPP-TVS: Trust List Updated')).toEqual({ kind: 'modelled' });
  });

  it('keeps the wording fixed where the seed has an error reason, not a value', () => {
    expect(
      fidelityOf(
        '[ET_NET 0] WARNING: Core server certificate verification failed for (cucm). Action=Terminate Error=unable to get local issuer certificate server=cucm(127.0.0.10) depth=1',
      ),
    ).toEqual({ kind: 'modelled' });
  });

  it('says which seed and which line', () => {
    expect(fidelityOf('Trust List Update Failed')).toMatchObject({ kind: 'seed', seed: '002', line: 581 });
  });

  it('gives the same frozen marker for every line of one wording, so events can keep it', () => {
    const a = fidelityOf('Generated the cert');
    expect(fidelityOf('Generated the cert')).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(fidelityById('002-capf-generated-the-cert')).toBe(a);
  });
});

describe('patternFidelity: what a scenario checks', () => {
  it('counts an excerpt of a seed line', () => {
    expect(idOf(patternFidelity('SEC-ERR: desc <certificate expired>'))).toBe(
      '002-secd-sec-err-desc-certificate-expired',
    );
  });

  it("counts a regular expression whose values are the lab's", () => {
    expect(
      idOf(
        patternFidelity(
          /Event="Outbound TLS Negotiation Error" Service="SIP" .*Dst-port="7001" Detail="tlsv1 alert unknown ca" Protocol="TLS" Common-name="expc.lab.example" Level="1"/,
        ),
      ),
    ).toBe('003-tvcs-outbound-tls-unknown-ca');
  });

  it('does not count the seed pattern with another value where the seed has wording', () => {
    expect(patternFidelity('SEC-ERR: code:5(SSL_ALERT) subcode:48(UNKNOWN_CA)')).toEqual({
      kind: 'modelled',
    });
  });

  it('does not count a pattern that only lands in a placeholder', () => {
    expect(patternFidelity('cucm-pub.lab.example')).toEqual({ kind: 'modelled' });
  });

  it('does not let a value hold the character that ends it in the template', () => {
    // Inbound is built on seed 003's Outbound line (docs/reference/seeds.md §5: M); it must not fit inside the Src-ip value.
    expect(
      patternFidelity(
        /Event="Inbound TLS Negotiation Error" .*Dst-port="7001" Detail="tlsv1 alert unknown ca"/,
      ),
    ).toEqual({ kind: 'modelled' });
  });

  it('does not count a pattern quoting fewer than 16 characters of a long wording', () => {
    expect(patternFidelity('HandleSSLError')).toEqual({ kind: 'modelled' });
  });

  it('counts a short wording quoted whole', () => {
    expect(idOf(patternFidelity('Generated the cert'))).toBe('002-capf-generated-the-cert');
  });

  it('does not count a regular expression it cannot read as a glob', () => {
    expect(patternFidelity(/Trust List (Updated|Update Failed)/)).toEqual({ kind: 'modelled' });
  });

  it('reads classes and quantifiers as "anything" and escapes as literals', () => {
    expect(regExpGlob(String.raw`header length <\d+> a\.b [^,]+x?`)).toEqual([
      ...'header length <',
      null,
      ...'> a.b ',
      null,
    ]);
  });

  it('aligns a pattern inside a template and counts only fixed characters', () => {
    // template "ab{x}cd", pattern "bZZc": b and c align with fixed text, ZZ sits in the placeholder.
    expect(quotedLength(['a', 'b', null, 'c', 'd'], [...'bZZc'])).toBe(2);
    expect(quotedLength(['a', 'b', 'c'], [...'bd'])).toBe(-1);
  });
});

describe('patternFidelity: which wording', () => {
  it('prefers the wording quoted longest over the first one quoted', () => {
    const table: SeedWording[] = [
      { id: '002-short', seed: '002', line: 1, sources: [], template: '{x} Trust List Updated at {time}' },
      { id: '002-long', seed: '002', line: 2, sources: [], template: 'CTL: Trust List Updated at boot' },
    ];
    expect(quotedWording('CTL: Trust List Updated at boot', table)?.id).toBe('002-long');
  });

  it('names the wording the pattern quotes most of', () => {
    // Both Expressway response lines end in Msg="HTTP/1.1 ...": only Receive Response has Src-port.
    expect(idOf(patternFidelity('Src-port="8443" Msg="HTTP/1.1 200 "'))).toBe('004-ts-receive-response');
    expect(idOf(patternFidelity('Detail="Sending Response" Txn-id="7"'))).toBe('004-ts-sending-response');
  });
});
