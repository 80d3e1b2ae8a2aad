import { describe, expect, it } from 'vitest';
import { createPkiContext, issueCertificate, parseDuration } from '../../certs/issue.ts';
import { cucmSelfSigned, faults } from '../../certs/profiles.ts';

const node = { host: 'cucm', domain: 'uclab.lab' };
const DAY = 86_400_000;

describe('validity relative to lab start', () => {
  it('a certificate "expired 1 day ago" has notAfter before now', async () => {
    const ctx = createPkiContext({ seed: 'validity' });
    const cm = await issueCertificate(ctx, faults.expired(cucmSelfSigned(ctx, node, 'CallManager'), '1d'));
    const notAfter = new Date(cm.cert.validTo).getTime();
    expect(notAfter).toBeLessThan(Date.now());
    expect(Date.now() - notAfter).toBeGreaterThan(DAY - 5_000);
    expect(Date.now() - notAfter).toBeLessThan(DAY + 60_000);
  });

  it('"expires in 6 days" counts from the lab start passed in', async () => {
    const labStart = new Date('2031-03-01T10:00:00Z');
    const ctx = createPkiContext({ seed: 'validity', labStart });
    const cm = await issueCertificate(ctx, faults.expiresInDays(cucmSelfSigned(ctx, node, 'tomcat'), 6));
    expect(new Date(cm.cert.validTo).toISOString()).toBe('2031-03-07T10:00:00.000Z');
  });

  it('validity anchored to now follows the lab clock (a regeneration mid-lab)', async () => {
    let clock = new Date('2031-03-01T10:00:00Z');
    const ctx = createPkiContext({ seed: 'validity', labStart: clock, now: () => clock });
    clock = new Date('2031-03-05T10:00:00Z');
    const cert = await issueCertificate(ctx, {
      name: 'regen',
      subject: 'CN=regen',
      validity: { notBefore: 0, notAfter: '+1y', anchor: 'now' },
    });
    expect(new Date(cert.cert.validFrom).toISOString()).toBe('2031-03-05T10:00:00.000Z');
  });

  it('ITLRecovery lasts 20 years and durations parse with signs and units', () => {
    const ctx = createPkiContext({ seed: 'validity' });
    expect(cucmSelfSigned(ctx, node, 'ITLRecovery').validity?.notAfter).toBe('+20y');
    expect(parseDuration('-1d')).toBe(-DAY);
    expect(parseDuration('+365d')).toBe(365 * DAY);
    expect(parseDuration('6h')).toBe(6 * 3_600_000);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
  });
});
