/**
 * The phone's trust rules as pure functions (devices/phone/trust-rules.ts): what the phone holds, its
 * firmware and the certificate or file in, a verdict and its reason out. No network: certificates come
 * from the committed key pool, trust lists are built and parsed in memory.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrustList, Role, type TrustList } from '../../certs/ctl.ts';
import { createPkiContext, type Identity, issueCertificate } from '../../certs/issue.ts';
import { ciscoManufacturingFor } from '../../certs/lab-pki.ts';
import { type CucmNode, cucmSelfSigned, faults, sastTokenProfile } from '../../certs/profiles.ts';
import { firmwareProfile } from '../../devices/phone/firmware-profiles.ts';
import {
  callManagerVerdict,
  capfServerVerdict,
  configSignerVerdict,
  secureRegistrationVerdict,
  TRUST_LIST_TVS_ROLES,
  tftpServerVerdict,
  trustListVerdict,
  trustListVerdictAfterTvs,
  tvsServerVerdict,
} from '../../devices/phone/trust-rules.ts';
import { PhoneTrustStore } from '../../devices/phone/trust-store.ts';
import { unwrap } from '../../emulator/result.ts';
import { buildCtl, buildItl, itlRecords, type MiniPki } from './support.ts';

const START = Date.UTC(2026, 0, 1);
const TFTP = '127.0.0.10';
let p: MiniPki;
let stranger: Identity;
let expiredCm: Identity;
let sha1Cm: Identity;

beforeAll(async () => {
  const ctx = createPkiContext({ seed: 'trust-rules', labStart: new Date(START) });
  const node: CucmNode = { host: 'cucm', domain: 'lab.example', ou: 'TAC', o: 'Lab', c: 'PL' };
  const issue = (unit: 'CallManager' | 'ITLRecovery' | 'TVS' | 'CAPF') =>
    issueCertificate(ctx, cucmSelfSigned(ctx, node, unit));
  const m = await ciscoManufacturingFor({ seed: 'trust-rules', start: START });
  p = {
    ctx,
    node,
    callManager: await issue('CallManager'),
    itlRecovery: await issue('ITLRecovery'),
    tvs: await issue('TVS'),
    capf: await issue('CAPF'),
    etokens: [
      await issueCertificate(ctx, sastTokenProfile(ctx, 1), m.manufacturingCa),
      await issueCertificate(ctx, sastTokenProfile(ctx, 2), m.manufacturingCa),
    ],
  };
  stranger = await issueCertificate(ctx, sastTokenProfile(ctx, 7), m.manufacturingCa);
  expiredCm = await issueCertificate(ctx, faults.expired(cucmSelfSigned(ctx, node, 'CallManager'), '1d'));
  sha1Cm = await issueCertificate(ctx, faults.sha1(cucmSelfSigned(ctx, node, 'CallManager')));
});

const list = (bytes: Buffer, kind: 'CTL' | 'ITL'): TrustList =>
  unwrap(parseTrustList(new Uint8Array(bytes), { kind }));
const profile = (id: string) => {
  const f = firmwareProfile(id);
  if (!f) throw new Error(`no firmware ${id}`);
  return f;
};

/** A trust store holding the given lists, as a phone holds them after installing them. */
function holding(lists: { ctl?: TrustList; itl?: TrustList }): PhoneTrustStore {
  const s = new PhoneTrustStore();
  if (lists.ctl) s.set('CTL', lists.ctl);
  if (lists.itl) s.set('ITL', lists.itl);
  return s;
}

describe('who may sign a trust list', () => {
  it('a phone that holds nothing takes a consistent first CTL on leap of faith', () => {
    const v = trustListVerdict(new PhoneTrustStore(), 'CTL', list(buildCtl(p, TFTP), 'CTL'));
    expect(v).toEqual({ decision: 'accept', via: 'leap of faith' });
  });

  it('a first ITL whose signature does not verify with its own signer record is refused as corrupt', () => {
    // Signed with the TVS key while naming ITLRecovery as signer.
    const forged = buildItl(p, { ...p.itlRecovery, key: p.tvs.key });
    const v = trustListVerdict(new PhoneTrustStore(), 'ITL', list(forged, 'ITL'));
    expect(v).toMatchObject({ decision: 'refuse', corrupt: true });
  });

  it('a CTL signed by a token the installed CTL does not hold is refused, with no TVS path', () => {
    const held = holding({ ctl: list(buildCtl(p, TFTP), 'CTL') });
    const next = list(buildCtl({ ...p, etokens: [stranger, stranger] }, TFTP, stranger), 'CTL');
    const v = trustListVerdict(held, 'CTL', next);
    expect(v).toEqual({
      decision: 'refuse',
      why: `signer ${next.signer.name} is not a SAST of the installed CTL`,
      corrupt: false,
    });
  });

  it('a new ITL whose signer the held ITL does not know is a question for TVS', () => {
    const held = holding({ itl: list(buildItl(p), 'ITL') });
    const v = trustListVerdict(held, 'ITL', list(buildItl(p, p.callManager), 'ITL'));
    expect(v).toEqual({ decision: 'ask-tvs', roles: TRUST_LIST_TVS_ROLES });
  });

  it('TVS vouching for the signer makes the new ITL trusted; TVS not knowing it refuses it with its reason', () => {
    const next = list(buildItl(p, p.callManager), 'ITL');
    expect(
      trustListVerdictAfterTvs(next, { ok: true, cert: p.callManager.cert, roles: [Role.CCM_TFTP] }),
    ).toEqual({
      decision: 'accept',
      via: 'TVS',
    });
    expect(trustListVerdictAfterTvs(next, { ok: false, why: 'TVS cucm does not know it' })).toEqual({
      decision: 'refuse',
      why: `signer ${next.signer.name} unknown and TVS cucm does not know it`,
      corrupt: false,
    });
  });
});

describe('who may sign a config', () => {
  it('the TFTP record of the ITL signs configs; an unknown signer is a question for TVS', () => {
    const held = holding({ itl: list(buildItl(p), 'ITL') });
    const fromItl = configSignerVerdict(held, list(buildItl(p, p.callManager), 'ITL').signer);
    expect(fromItl).toMatchObject({ decision: 'accept', via: 'trust-list' });
    const unknown = configSignerVerdict(held, list(buildCtl(p, TFTP), 'CTL').signer);
    expect(unknown.decision).toBe('ask-tvs');
  });
});

describe('TLS servers the phone accepts', () => {
  const ctlWith = (cm: Identity) => holding({ ctl: list(buildCtl(p, TFTP, p.etokens[0], cm), 'CTL') });
  const sccp79 = () => profile('sccp-79xx-9.4');

  it('CallManager whose certificate is the CTL CCM+TFTP record is accepted', () => {
    const v = callManagerVerdict(ctlWith(p.callManager), sccp79(), p.callManager.cert, START);
    expect(v.accepted).toBe(true);
  });

  it('CallManager whose certificate is not in the CTL is refused with unknown_ca', () => {
    const v = callManagerVerdict(ctlWith(p.callManager), sccp79(), expiredCm.cert, START);
    expect(v).toMatchObject({ accepted: false, alert: { code: 48, name: 'unknown_ca' } });
    expect(v.reason).toContain('is not in the CTL');
  });

  it('CallManager whose CTL record has expired is refused with certificate_expired', () => {
    const v = callManagerVerdict(ctlWith(expiredCm), sccp79(), expiredCm.cert, START);
    expect(v).toMatchObject({ accepted: false, alert: { code: 45, name: 'certificate_expired' } });
  });

  it('SHA-1-only firmware refuses a SHA-256 CallManager certificate with bad_certificate, and takes a SHA-1 one', () => {
    const f7940 = profile('sccp-7940-8.1');
    expect(callManagerVerdict(ctlWith(p.callManager), f7940, p.callManager.cert, START)).toMatchObject({
      accepted: false,
      reason: `${f7940.label} cannot verify a sha256 signature`,
      alert: { code: 42, name: 'bad_certificate' },
    });
    expect(callManagerVerdict(ctlWith(sha1Cm), f7940, sha1Cm.cert, START).accepted).toBe(true);
  });

  it('TVS must present the ITL TVS record', () => {
    const held = holding({ itl: list(buildItl(p), 'ITL') });
    expect(tvsServerVerdict(held, p.tvs.cert).accepted).toBe(true);
    expect(tvsServerVerdict(held, p.callManager.cert)).toMatchObject({
      accepted: false,
      alert: { code: 48 },
    });
  });

  it('CAPF must be the CAPF record of the CTL in mixed mode, of the ITL otherwise', () => {
    const itlOnly = holding({ itl: list(buildItl(p), 'ITL') });
    expect(capfServerVerdict(itlOnly, p.capf.cert).reason).toBe(
      'CAPF certificate matches the ITL CAPF record',
    );
    const noCapfInCtl = holding({
      ctl: list(buildCtl(p, TFTP), 'CTL'),
      itl: list(buildItl(p), 'ITL'),
    });
    expect(capfServerVerdict(noCapfInCtl, p.capf.cert).reason).toBe(
      'CAPF certificate matches the CTL CAPF record',
    );
    expect(capfServerVerdict(noCapfInCtl, p.tvs.cert).accepted).toBe(false);
    expect(capfServerVerdict(new PhoneTrustStore(), p.capf.cert).reason).toBe(
      'no CTL or ITL to check the CAPF certificate',
    );
  });
});

describe('the TFTP server address and the transport', () => {
  it('7940 firmware with a CTL refuses a TFTP server whose address the CTL does not list; 7975 firmware does not care', () => {
    const held = holding({ ctl: list(buildCtl(p, TFTP), 'CTL') });
    expect(tftpServerVerdict(held, profile('sccp-7940-8.1'), '127.0.0.99')).toEqual({
      accepted: false,
      reason: 'TFTP server 127.0.0.99 is not in the CTL',
    });
    expect(tftpServerVerdict(held, profile('sccp-7940-8.1'), TFTP)).toEqual({ accepted: true });
    expect(tftpServerVerdict(held, profile('sccp-79xx-9.4'), '127.0.0.99')).toEqual({ accepted: true });
  });

  it('the phone registers over TLS only when the config asks for it and the CTL holds a CallManager', () => {
    const mixed = holding({ ctl: list(buildCtl(p, TFTP), 'CTL') });
    const itlOnly = holding({ itl: list(buildItl(p, p.itlRecovery, itlRecords(p)), 'ITL') });
    expect([3, 2, 1].map((mode) => secureRegistrationVerdict(mixed, mode))).toEqual([true, true, false]);
    expect(secureRegistrationVerdict(itlOnly, 3)).toBe(false);
  });
});
