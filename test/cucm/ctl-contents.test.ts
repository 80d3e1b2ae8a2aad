/**
 * What the CTL holds (docs/reference/trust-files.md §1.6): SAST, CCM+TFTP of every node, CAPF, ITLRecovery and the
 * alternate TFTP servers the admin added.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrustList, Role, type TrustList } from '../../certs/ctl.ts';
import { createPkiContext, issueCertificate } from '../../certs/issue.ts';
import { type CucmLab, startCucmLab } from './support.ts';

/** The first eToken with the lab's default password, as the CTL client asks for it. */
const TOKEN = { token: 1, password: 'Cisco123' };

let etoken: CucmLab;
let tokenless: CucmLab;
let otherTftpPem: string;

beforeAll(async () => {
  const ctx = createPkiContext({ seed: 'other-cluster-tftp' });
  otherTftpPem = (
    await issueCertificate(ctx, {
      name: 'other-tftp',
      subject: 'CN=cucm-b.other.example',
      keyUsage: ['digitalSignature', 'keyEncipherment', 'keyCertSign'],
    })
  ).certPem;
  [etoken, tokenless] = await Promise.all([
    startCucmLab('cucm-ctl-etoken', {
      mixedMode: 'etoken',
      ctl: { alternateTftp: [{ host: '192.0.2.69', certificate: otherTftpPem, role: 'CCM+TFTP' }] },
    }),
    startCucmLab('cucm-ctl-tokenless', { mixedMode: 'tokenless' }),
  ]);
  etoken.lab.fabric.addHost('tftp-relay');
});
afterAll(async () => {
  await Promise.all([etoken?.stop(), tokenless?.stop()]);
});

function ctlOf(t: CucmLab): TrustList {
  const bytes = t.pub.tftpFiles.ctl()?.bytes;
  if (!bytes) throw new Error('no CTL');
  const r = parseTrustList(bytes, { kind: 'CTL' });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function recordsOf(t: CucmLab, serial: string): number[] {
  const want = serial.replace(/^0+/, '').toLowerCase();
  return ctlOf(t)
    .records.filter((r) => Buffer.from(r.serial).toString('hex').replace(/^0+/, '') === want)
    .map((r) => r.role.code);
}

describe('CTL contents', () => {
  it('the eToken CTL holds the ITLRecovery certificate (SAST) besides the two tokens', () => {
    const itlRecovery = etoken.pub.certs.own('ITLRecovery').identity.cert;
    expect(recordsOf(etoken, itlRecovery.serialNumber)).toEqual([Role.SAST]);
    const sast = ctlOf(etoken).records.filter((r) => r.role.code === Role.SAST);
    expect(sast).toHaveLength(3);
  });

  it('the tokenless CTL holds the ITLRecovery certificate (SAST), the publisher CallManager and CAPF', () => {
    const own = (u: 'ITLRecovery' | 'CAPF' | 'CallManager') =>
      tokenless.pub.certs.own(u).identity.cert.serialNumber;
    expect(recordsOf(tokenless, own('ITLRecovery'))).toEqual([Role.SAST]);
    expect(recordsOf(tokenless, own('CAPF'))).toEqual([Role.CAPF]);
    expect(recordsOf(tokenless, own('CallManager')).sort()).toEqual([Role.SAST, Role.CCM_TFTP]);
  });

  it('a declared alternate TFTP server is a CTL record with its address and certificate', () => {
    const r = ctlOf(etoken).records.find((x) => x.ipAddress === '192.0.2.69');
    expect(r?.role.code).toBe(Role.CCM_TFTP);
    expect(r?.subjectName).toContain('cucm-b.other.example');
    expect(r?.dnsName).toBe('192.0.2.69');
  });

  it('the admin adds a TFTP server to the CTL: a new CTL with a TFTP record for its address, shown by show ctl', async () => {
    const before = etoken.pub.tftpFiles.ctl()?.bytes;
    const r = etoken.pub.addCtlTftpServer('tftp-relay', { login: TOKEN });
    expect(r.ok).toBe(true);
    const after = etoken.pub.tftpFiles.ctl()?.bytes;
    expect(after?.equals(before ?? Buffer.alloc(0))).toBe(false);
    const address = etoken.lab.fabric.addressOf('tftp-relay');
    const rec = ctlOf(etoken).records.find((x) => x.ipAddress === address);
    expect(rec?.role.code).toBe(Role.TFTP);
    expect(rec?.dnsName).toBe('tftp-relay');
    // Without a certificate of its own, it serves this cluster's files: the publisher CallManager's.
    const cm = etoken.pub.certs.own('CallManager').identity.cert;
    expect(Buffer.from(rec?.certificate ?? []).equals(Buffer.from(cm.raw))).toBe(true);
    const text = await etoken.pub.exec('show ctl');
    expect(text).toContain('The CTL file was verified successfully.');
    expect(text).toMatch(/DNSNAME\t\t11\ttftp-relay\n.*\n4\tFUNCTION\t2\tTFTP\n/);
  });

  it('refuses a TFTP server that does not resolve, and one whose certificate is not PEM', () => {
    const a = etoken.pub.addCtlTftpServer('no-such-tftp', { login: TOKEN });
    expect(a.ok ? 'added' : a.error.code).toBe('ctl.tftp-unknown-host');
    const b = etoken.pub.addCtlTftpServer('192.0.2.70', { certificate: 'not a certificate', login: TOKEN });
    expect(b.ok ? 'added' : b.error.code).toBe('ctl.tftp-bad-certificate');
  });

  it('replacing the eTokens (CTL client run with new tokens) signs the CTL with a token the old CTL does not list', async () => {
    const before = ctlOf(etoken);
    const r = await etoken.pub.replaceEtokens();
    expect(r.ok).toBe(true);
    const after = ctlOf(etoken);
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    const oldSast = before.records.filter((x) => x.role.code === Role.SAST).map((x) => hex(x.serial));
    expect(oldSast).toHaveLength(3);
    expect(oldSast).not.toContain(hex(after.signer.serial));
  });
});
