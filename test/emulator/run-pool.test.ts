import { describe, expect, it } from 'vitest';
import { OrderedOutput, parseJobs, runPool } from '../../emulator/cli/run-pool.ts';

describe('running variants side by side', () => {
  it('never runs more tasks at once than the limit, and runs every one', async () => {
    let running = 0;
    let most = 0;
    const ran: number[] = [];
    await runPool(20, 3, async (i) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setImmediate(r));
      ran.push(i);
      running--;
    });
    expect(most).toBe(3);
    expect([...ran].sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
  });

  it('prints each variant’s lines in catalogue order, whichever finishes first', () => {
    let out = '';
    const o = new OrderedOutput(3, (t) => {
      out += t;
    });
    o.line(0, 'a1');
    o.line(2, 'c1');
    o.line(1, 'b1');
    o.done(2);
    o.line(0, 'a2');
    expect(out).toBe('a1\na2\n');
    o.done(0);
    expect(out).toBe('a1\na2\nb1\n');
    o.line(1, 'b2');
    o.done(1);
    expect(out).toBe('a1\na2\nb1\nb2\nc1\n');
  });

  it('takes --jobs as a whole number from 1 to 16 and nothing else', () => {
    expect(parseJobs('4')).toBe(4);
    expect(parseJobs(undefined)).toBeGreaterThanOrEqual(1);
    for (const bad of ['0', '17', '2.5', 'x', '-1', '']) expect(parseJobs(bad)).toBeNull();
  });
});
