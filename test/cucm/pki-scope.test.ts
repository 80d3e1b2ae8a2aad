/**
 * The lab-wide CAs of certs/lab-pki.ts are memoised per lab, not per process: `run --all`, the
 * benchmark and long `uclab up` sessions create many labs, and each lab's CAs must go with it.
 */
import { describe, expect, it } from 'vitest';
import { ciscoManufacturingFor, enterpriseCaFor } from '../../certs/lab-pki.ts';

const start = Date.parse('2026-01-01T00:00:00Z');

describe('lab CA memo', () => {
  it('two labs with the same seed and start keep separate memos with byte-identical CAs', async () => {
    const labA = {};
    const labB = {};
    const a = enterpriseCaFor({ seed: 'scope-test', start, scope: labA });
    const b = enterpriseCaFor({ seed: 'scope-test', start, scope: labB });
    // A module-level map keyed by seed and start would hand lab B lab A's promise (and keep it forever).
    expect(b).not.toBe(a);
    expect((await b).certPem).toBe((await a).certPem);
  });

  it('within one lab every device gets the same memoised hierarchy', async () => {
    const lab = {};
    const first = ciscoManufacturingFor({ seed: 'scope-test', start, scope: lab });
    expect(ciscoManufacturingFor({ seed: 'scope-test', start, scope: lab })).toBe(first);
    const unscoped = await ciscoManufacturingFor({ seed: 'scope-test', start });
    expect(unscoped.manufacturingCaSha2.certPem).toBe((await first).manufacturingCaSha2.certPem);
  });
});
