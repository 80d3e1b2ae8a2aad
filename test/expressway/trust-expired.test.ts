/** Seed 003 line 547: an expired certificate in the trusted CA file fails the Trusted CA certificate page. */
import { describe, expect, it } from 'vitest';
import { labCa } from '../../devices/expressway/pki.ts';
import { EXPIRED_IN_CA_FILE, ExpresswayTrustStore } from '../../devices/expressway/trust-store.ts';

const ref = { seed: 'trust-expired', start: Date.now() };

async function pems() {
  return {
    expired: (await labCa(ref, 'expired-ca')).certPem,
    other: (await labCa(ref, 'other-ca')).certPem,
  };
}

describe('expired certificates in the Expressway trusted CA list (seed 003)', () => {
  it("refuses an append with seed 003's text while the list holds an expired certificate", async () => {
    const { expired, other } = await pems();
    const store = new ExpresswayTrustStore();
    expect(store.append(expired).ok).toBe(true);
    const r = store.append(other, new Date());
    expect(r.ok ? 'accepted' : r.error.message).toBe(EXPIRED_IN_CA_FILE);
    expect(store.entries()).toHaveLength(1);
  });

  it('refuses to append an expired certificate', async () => {
    const { expired } = await pems();
    const r = new ExpresswayTrustStore().append(expired, new Date());
    expect(r.ok ? 'accepted' : r.error.code).toBe('expressway.trust.expired');
  });

  it('takes the append once the expired certificate is deleted', async () => {
    const { expired, other } = await pems();
    const store = new ExpresswayTrustStore();
    store.append(expired);
    expect(store.delete('uclab-RETIRED-CA')).toBe(1);
    expect(store.append(other, new Date()).ok).toBe(true);
  });

  it('shows the expired entry as Expired in the list', async () => {
    const { expired } = await pems();
    const store = new ExpresswayTrustStore();
    store.append(expired);
    expect(store.show(new Date()).split('\n')[1]).toMatch(/\tExpired$/);
  });
});
