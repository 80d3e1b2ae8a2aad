/**
 * x14-2-ip-not-in-san played as an exercise from the consoles alone: System > Server renamed to the FQDN
 * on CUCM (run sql update processnode) and the Expressway-C's Unified CM servers refreshed; the check
 * signs Jabber in again and turns from failing to passing only once both are done.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upExercise } from './lab.ts';

describe('x14-2-ip-not-in-san as an exercise', () => {
  let lab: Awaited<ReturnType<typeof upExercise>>;
  beforeAll(async () => {
    lab = await upExercise('x14-2-ip-not-in-san');
  }, 150_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('fails the check until the node is advertised by FQDN and the Expressway-C has rediscovered it', async () => {
    const before = await lab.check();
    expect(before.stdout).toContain('✘ not held  Jabber signs in');
    expect(before.code).toBe(1);

    const table = await lab.console('cucm-pub', 'run sql select name from processnode');
    const ip = /^(\d+\.\d+\.\d+\.\d+)$/m.exec(table.stdout)?.[1];
    expect(ip, table.stdout).toBeDefined();
    const renamed = await lab.console(
      'cucm-pub',
      `run sql update processnode set name='cucm-pub.lab.example' where name='${ip}'`,
    );
    expect(renamed.stdout.trim()).toBe('Rows: 1');

    // The Expressway-C still advertises what it discovered: the IP address.
    const halfway = await lab.check();
    expect(halfway.stdout).toContain('✘ not held  expc traffic_server never logs "not in certificate"');
    expect(halfway.code).toBe(1);

    const refreshed = await lab.console('expc', 'xCommand UnifiedCM Refresh');
    expect(refreshed.stdout).toContain('Detail: "Unified CM servers discovered: cucm-pub.lab.example"');

    const after = await lab.check();
    expect(after.stdout).toContain('✔ held      Jabber signs in');
    expect(after.stdout).toContain('✔ held      expc traffic_server never logs "not in certificate"');
    expect(after.code).toBe(0);
  }, 180_000);
});
