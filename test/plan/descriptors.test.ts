import { describe, expect, it } from 'vitest';
import {
  descriptorBudget,
  descriptorRefusal,
  PER_PHONE,
  readFdLimit,
} from '../../emulator/plan/descriptors.ts';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
`;

describe('file descriptors a fleet needs', () => {
  it('reads the soft and hard limit from /proc/self/limits', () => {
    expect(readFdLimit(LIMITS)).toEqual({ soft: 1024, hard: 524288 });
    expect(readFdLimit('no such line')).toBeNull();
    expect(readFdLimit()?.soft).toBeGreaterThan(0);
  });

  it('counts two descriptors a phone for the cells alive at once, not for the whole fleet', () => {
    const cells = Array.from({ length: 50 }, () => 200);
    const all = descriptorBudget({
      cellSizes: cells,
      concurrentCells: 50,
      workers: 2,
      bootsInFlight: 16,
      nodes: 1,
    });
    const two = descriptorBudget({
      cellSizes: cells,
      concurrentCells: 2,
      workers: 2,
      bootsInFlight: 16,
      nodes: 1,
    });
    expect(all.needed).toBeGreaterThanOrEqual(10_000 * PER_PHONE);
    expect(two.needed).toBeLessThan(2000);
    expect(two.needed).toBeGreaterThanOrEqual(400 * PER_PHONE);
  });

  it('refuses before the run with the numbers and how to raise the limit', () => {
    const b = descriptorBudget({
      cellSizes: Array.from({ length: 50 }, () => 200),
      concurrentCells: 50,
      workers: 2,
      bootsInFlight: 16,
      nodes: 1,
    });
    const msg = descriptorRefusal(b, { soft: 1024, hard: 524288 });
    expect(msg).toMatch(
      /^10,000 phones \(50 cells, 50 at a time\) need [\d,]+ descriptors; the limit is 1,024/,
    );
    expect(msg).toContain(`ulimit -n ${b.needed}`);
    expect(descriptorRefusal(b, { soft: 1024, hard: 4096 })).toContain('the hard limit is 4,096');
    expect(descriptorRefusal(b, { soft: 1024, hard: 1024 })).toContain('it is the hard limit');
    expect(descriptorRefusal(b, { soft: b.needed, hard: null })).toBeNull();
  });
});
