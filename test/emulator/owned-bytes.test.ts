/**
 * Bytes a lab keeps for its life hold memory of their own, not a slice of node's shared buffer pool
 * (emulator/owned-bytes.ts): one kept slice keeps a whole 8 KB pool slab alive.
 */
import { describe, expect, it } from 'vitest';
import { createPkiContext, issueCertificate } from '../../certs/issue.ts';
import { ownedBytes } from '../../emulator/owned-bytes.ts';

describe('bytes kept for the life of a lab', () => {
  it('a small pooled buffer is copied into memory of its own, with the same bytes', () => {
    const pooled = Buffer.from('a signed config of a few hundred bytes');
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.byteLength);
    const own = ownedBytes(pooled);
    expect(own.buffer.byteLength).toBe(own.byteLength);
    expect(own.equals(pooled)).toBe(true);
    expect(own.buffer).not.toBe(pooled.buffer);
  });

  it('a buffer that already owns its memory is kept as it is', () => {
    const big = Buffer.alloc(10_000, 7);
    expect(ownedBytes(big)).toBe(big);
  });

  it('a view of most of a buffer is kept as it is: it pins little that is not its own', () => {
    const signed = Buffer.alloc(3000, 1);
    const payload = signed.subarray(500);
    expect(ownedBytes(payload)).toBe(payload);
  });

  it('an issued certificate holds exactly its DER, not a pool slab', async () => {
    const ctx = createPkiContext({ seed: 'owned-bytes' });
    const mic = await issueCertificate(ctx, { name: 'mic', subject: [['CN', 'SEP001122334455']] });
    expect(mic.certDer.buffer.byteLength).toBe(mic.certDer.byteLength);
  });
});
