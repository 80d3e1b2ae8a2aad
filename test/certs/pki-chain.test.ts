import { describe, expect, it } from 'vitest';
import {
  buildChain,
  ekus,
  fingerprint,
  hasKeyCertSign,
  isCa,
  isSelfSigned,
  keyDescription,
  sanEntries,
  subjectKeyId,
} from '../../certs/chain.ts';
import { createPkiContext, issueCertificate } from '../../certs/issue.ts';
import {
  appServerNoCertSignProfile,
  appServerProfile,
  cucmSelfSigned,
  enterpriseIntermediateCaProfile,
  enterpriseRootCaProfile,
  expresswayServerProfile,
} from '../../certs/profiles.ts';

describe('chain building and predicates', () => {
  it('builds a chain by AKI/SKI when two CAs share a subject name', async () => {
    const ctx = createPkiContext({ seed: 'chain' });
    const oldRoot = await issueCertificate(ctx, enterpriseRootCaProfile({ cn: 'vngtp-ACTIVE-DIR-CA' }));
    const newRoot = await issueCertificate(ctx, enterpriseRootCaProfile({ cn: 'vngtp-ACTIVE-DIR-CA' }));
    expect(oldRoot.cert.subject).toBe(newRoot.cert.subject);
    const sub = await issueCertificate(
      ctx,
      enterpriseIntermediateCaProfile({ cn: 'vngtp-intermediate-CA-1' }),
      newRoot,
    );
    const leaf = await issueCertificate(
      ctx,
      expresswayServerProfile({ name: 'cucm', cn: 'cucm.vngtp.lab' }),
      sub,
    );
    const result = buildChain(leaf.cert, [oldRoot.cert, sub.cert, newRoot.cert]);
    expect(result.complete).toBe(true);
    expect(result.chain.map((l) => l.cert.fingerprint256)).toEqual([
      leaf.cert.fingerprint256,
      sub.cert.fingerprint256,
      newRoot.cert.fingerprint256,
    ]);
    expect(result.chain[1]?.matchedBy).toBe('aki-ski');
  });

  it('reports the missing link when the intermediate is absent', async () => {
    const ctx = createPkiContext({ seed: 'chain-missing' });
    const root = await issueCertificate(ctx, enterpriseRootCaProfile({ cn: 'root' }));
    const sub = await issueCertificate(ctx, enterpriseIntermediateCaProfile({ cn: 'issuing' }), root);
    const leaf = await issueCertificate(ctx, expresswayServerProfile({ name: 'l', cn: 'l.lab' }), sub);
    const result = buildChain(leaf.cert, [root.cert]);
    expect(result.complete).toBe(false);
    if (!result.complete) {
      expect(result.missing.issuer).toBe('CN=issuing');
      expect(result.missing.authorityKeyId).toBe(subjectKeyId(sub.cert));
    }
  });

  it('falls back to the issuer DN for certificates without key identifiers', async () => {
    const ctx = createPkiContext({ seed: 'chain-dn' });
    const root = await issueCertificate(
      ctx,
      enterpriseRootCaProfile({ cn: 'old-root', overrides: { ski: false, aki: false } }),
    );
    const leaf = await issueCertificate(
      ctx,
      expresswayServerProfile({ name: 'l', cn: 'l.lab', overrides: { aki: false } }),
      root,
    );
    const result = buildChain(leaf.cert, [root.cert]);
    expect(result.complete).toBe(true);
    expect(result.chain[1]?.matchedBy).toBe('issuer-dn');
  });

  it('predicates describe the seed 000 certificate and its fix', async () => {
    const ctx = createPkiContext({ seed: 'predicates' });
    const wrong = await issueCertificate(
      ctx,
      appServerNoCertSignProfile({ name: 'w', cn: '192.168.150.170' }),
    );
    const right = await issueCertificate(ctx, appServerProfile({ name: 'r', cn: '192.168.150.170' }));
    expect(isSelfSigned(wrong.cert)).toBe(true);
    expect(hasKeyCertSign(wrong.cert)).toBe(false);
    expect(hasKeyCertSign(right.cert)).toBe(true);
    expect(isCa(wrong.cert)).toBe(false);
    expect(ekus(wrong.cert)).toEqual(['serverAuth']);
    expect(sanEntries(wrong.cert)).toEqual([{ type: 'email', value: 'info@appserver.lab' }]);
    expect(keyDescription(wrong.cert)).toBe('RSA 1024');
    expect(fingerprint(wrong.certDer, 'sha1')).toBe(wrong.cert.fingerprint.replace(/:/g, '').toLowerCase());
    expect(fingerprint(wrong.cert, 'md5')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('CUCM self-signed shapes: CAPF is a pathlen-0 CA, tomcat-ECDSA is EC P-384', async () => {
    const ctx = createPkiContext({ seed: 'shapes' });
    const node = { host: 'cucm', domain: 'steven.lab' };
    const capf = await issueCertificate(ctx, cucmSelfSigned(ctx, node, 'CAPF'));
    const ec = await issueCertificate(ctx, cucmSelfSigned(ctx, node, 'tomcat-ECDSA'));
    expect(capf.x509.getExtension('2.5.29.19')).toBeDefined();
    expect(capf.cert.subject).toMatch(/CN=CAPF-[0-9a-f]{8}/);
    expect(isCa(capf.cert)).toBe(true);
    expect(hasKeyCertSign(capf.cert)).toBe(true);
    expect(keyDescription(ec.cert)).toBe('EC P-384');
    expect(ec.cert.subject).toContain('CN=cucm-EC.steven.lab');
    expect(ekus(ec.cert)).toEqual(['serverAuth', 'clientAuth', 'ipsecEndSystem']);
  });
});
