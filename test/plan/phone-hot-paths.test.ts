/**
 * What makes a fleet affordable in the phone model (architecture decision 9): trust lists parsed,
 * held and verified once per content (keyed by the bytes and by the verifier's trust, never shared
 * across different trust), certificate fields read from the DER with the same answers as the full
 * ASN.1 parse, and a lab's cap on boots in flight, seen on the timeline.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import '../../devices/index.ts';
import { serialBytes } from '../../certs/cisco-dn.ts';
import { buildTrustList, matchesSerialAndIssuer, Role, recordFromCertificate } from '../../certs/ctl.ts';
import { certCommonName } from '../../certs/dn.ts';
import { createPkiContext, type Identity, issueCertificate } from '../../certs/issue.ts';
import { type CucmNode, cucmSelfSigned, faults } from '../../certs/profiles.ts';
import { x509 } from '../../certs/x509.ts';
import { commonNameOf, matchesSigner, signatureHashOf } from '../../devices/phone/cert-facts.ts';
import { Phone } from '../../devices/phone/phone.ts';
import {
  holdTrustList,
  parseTrustListOnce,
  verifyTrustListOnce,
} from '../../devices/phone/trust-list-cache.ts';
import { Lab } from '../../emulator/lab.ts';
import { unwrap } from '../../emulator/result.ts';

const ctx = createPkiContext({ seed: 'hot-paths', labStart: new Date(Date.UTC(2026, 0, 1)) });
const node: CucmNode = { host: 'cucm', domain: 'lab.example', ou: 'TAC', o: 'Lab', c: 'PL' };
const issue = (unit: 'CallManager' | 'ITLRecovery' | 'TVS' | 'CallManager-ECDSA') =>
  issueCertificate(ctx, cucmSelfSigned(ctx, node, unit));

function itl(signer: Identity, others: Identity[]): Buffer {
  return Buffer.from(
    unwrap(
      buildTrustList({
        kind: 'ITL',
        signer: { cert: signer.cert, key: signer.key },
        timestamp: 1_700_000_000,
        records: [
          recordFromCertificate(signer.cert, Role.SAST),
          ...others.map((o) => recordFromCertificate(o.cert, Role.TFTP)),
        ],
      }),
    ),
  );
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('trust lists once per content', () => {
  it('the same bytes give every phone the same parsed and held list', async () => {
    const bytes = itl(await issue('ITLRecovery'), [await issue('CallManager')]);
    const a = unwrap(parseTrustListOnce(new Uint8Array(bytes), 'ITL', md5(bytes)));
    const b = unwrap(parseTrustListOnce(new Uint8Array(Buffer.from(bytes)), 'ITL', md5(bytes)));
    expect(b).toBe(a);
    expect(holdTrustList(b, md5(bytes))).toBe(holdTrustList(a, md5(bytes)));
    expect(holdTrustList(a, md5(bytes)).views.map((v) => v.role)).toEqual([
      'System Administrator Security Token',
      'TFTP',
    ]);
  });

  it('a signature check is shared only by phones that trust the same certificates', async () => {
    const signer = await issue('ITLRecovery');
    const stranger = await issueCertificate(
      ctx,
      cucmSelfSigned(ctx, { ...node, host: 'other' }, 'ITLRecovery'),
    );
    const bytes = itl(signer, [await issue('TVS')]);
    const list = unwrap(parseTrustListOnce(new Uint8Array(bytes), 'ITL', md5(bytes)));
    expect(verifyTrustListOnce(list, [signer.cert]).ok).toBe(true);
    const r = verifyTrustListOnce(list, [stranger.cert]);
    expect(!r.ok && r.error.reason).toBe('signer-not-found');
    // Asked again in the other order: each trust keeps its own answer.
    expect(verifyTrustListOnce(list, [stranger.cert]).ok).toBe(false);
    expect(verifyTrustListOnce(list, [signer.cert]).ok).toBe(true);
  });
});

describe('certificate fields from the DER', () => {
  it('the signature hash is what the full ASN.1 parse says', async () => {
    const certs = [
      await issue('CallManager'),
      await issueCertificate(ctx, faults.sha1(cucmSelfSigned(ctx, node, 'CallManager'))),
      await issue('CallManager-ECDSA'),
    ];
    const full = (c: Identity) =>
      (
        (new x509.X509Certificate(c.cert.raw).signatureAlgorithm as { hash?: { name?: string } }).hash
          ?.name ?? ''
      )
        .toLowerCase()
        .replace('-', '');
    expect(certs.map((c) => signatureHashOf(c.cert))).toEqual(certs.map(full));
    expect(certs.map((c) => signatureHashOf(c.cert))).toEqual(['sha256', 'sha1', 'sha384']);
  });

  it('the CN and the serial-and-issuer match agree with certs/', async () => {
    const cm = await issue('CallManager');
    const tvs = await issue('TVS');
    expect(commonNameOf(cm.cert)).toBe(certCommonName(cm.cert));
    const id = { serial: serialBytes(cm.cert), issuer: 'CN=cucm.lab.example;OU=TAC;O=Lab;C=PL' };
    expect(matchesSigner(cm.cert, id)).toBe(matchesSerialAndIssuer(cm.cert, id));
    expect(matchesSigner(tvs.cert, id)).toBe(false);
    expect(matchesSerialAndIssuer(tvs.cert, id)).toBe(false);
  });
});

/** A lab of six SIP phones off one CUCM, their boots capped at `bootSlots`, handed to `fn`. */
async function withSixPhones(
  name: string,
  bootSlots: number,
  fn: (lab: Lab, phones: Phone[]) => Promise<void>,
): Promise<void> {
  const lab = await Lab.create({ name, seed: name });
  const macs = Array.from({ length: 6 }, (_, i) => `B0000000010${i}`);
  try {
    const built = lab.build({
      devices: [
        {
          kind: 'cucm',
          name: 'cucm-pub',
          phones: macs.map((m) => ({ name: `SEP${m}`, model: 'CP-8861', protocol: 'SIP' })),
        },
        ...macs.map((m) => ({
          kind: 'phone',
          name: `SEP${m}`,
          mac: m,
          firmware: 'sip-88xx-14.2',
          tftp: 'cucm-pub',
          autoBoot: false,
          bootSlots,
        })),
      ],
    });
    if (!built.ok) throw new Error(built.error.message);
    await lab.start();
    await fn(
      lab,
      macs.map((m) => lab.device(`SEP${m}`, Phone)),
    );
  } finally {
    await lab.stop();
  }
}

describe('boots in flight', () => {
  it('a lab with two boot slots never has more than two phones booting, and boots them all', async () => {
    await withSixPhones('boot-slots', 2, async (lab, phones) => {
      let inFlight = 0;
      let most = 0;
      lab.timeline.subscribe({ kind: ['action', 'phone.boot'] }, (e) => {
        if (e.kind === 'action' && e.name === 'phone.boot') most = Math.max(most, ++inFlight);
        else if (e.kind === 'phone.boot') inFlight--;
      });
      await Promise.all(phones.map((p) => p.boot()));
      expect(most).toBe(2);
      expect(
        lab.timeline.ofKind('phone.boot').filter((b) => b.registration.state === 'registered'),
      ).toHaveLength(6);
    });
  });
});

describe('events of a fleet', () => {
  it('the events of phones that took the same ITL share one frozen list of its records', async () => {
    await withSixPhones('shared-records', 6, async (lab, phones) => {
      await Promise.all(phones.map((p) => p.boot()));
      const itls = lab.timeline.ofKind('phone.trust-list').filter((e) => e.list === 'ITL');
      expect(itls).toHaveLength(6);
      expect(itls[0]?.records.length).toBeGreaterThan(0);
      expect(Object.isFrozen(itls[0]?.records)).toBe(true);
      expect(new Set(itls.map((e) => e.records)).size).toBe(1);
    });
  });
});
