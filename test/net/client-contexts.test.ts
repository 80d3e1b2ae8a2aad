/**
 * Client secure contexts (emulator/net/secure-contexts.ts): one per identity and option set, reused,
 * never shared between identities (each phone presents its own certificate), and bounded.
 */
import { describe, expect, it } from 'vitest';
import { ClientContexts } from '../../emulator/net/secure-contexts.ts';
import { makeTestPki } from '../support/openssl-pki.ts';

const pki = makeTestPki();
const a = pki.leaf('SEP00000000000A');
const b = pki.leaf('SEP00000000000B');
const c = pki.leaf('SEP00000000000C');

describe('client secure contexts', () => {
  it('reuse one context for one identity and its options', () => {
    const contexts = new ClientContexts();
    const first = contexts.get({ identity: a, minVersion: 'TLSv1.2' });
    expect(contexts.get({ identity: { ...a }, minVersion: 'TLSv1.2' })).toBe(first);
    expect(contexts.size).toBe(1);
  });

  it('give each identity its own, and other options another', () => {
    const contexts = new ClientContexts();
    const ofA = contexts.get({ identity: a });
    const ofB = contexts.get({ identity: b });
    expect(ofB).not.toBe(ofA);
    expect(contexts.get({ identity: a, maxVersion: 'TLSv1.2' })).not.toBe(ofA);
    expect(contexts.size).toBe(3);
  });

  it('keep at most their bound, letting go of the least recently used', () => {
    const contexts = new ClientContexts(2);
    const ofA = contexts.get({ identity: a });
    const ofB = contexts.get({ identity: b });
    expect(contexts.get({ identity: a })).toBe(ofA);
    contexts.get({ identity: c });
    expect(contexts.size).toBe(2);
    // B was the least recently used: it is built again; A was kept.
    expect(contexts.get({ identity: a })).toBe(ofA);
    expect(contexts.get({ identity: b })).not.toBe(ofB);
  });
});
