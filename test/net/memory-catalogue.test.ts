/**
 * Catalogue scenarios on the in-memory transport: the same device code over in-process streams must
 * show the same symptoms as over loopback. Each scenario runs on both transports here, and every
 * variant's outcome and every expectation (title and whether it held) must match, with loopback's all
 * holding. Between them they cover a phone's TFTP and TLS boot with CTL and ITL, CAPF, SCCP and SIP
 * registration over TLS, and an Expressway MRA sign-in (the test checks the timeline shows each).
 */
import { describe, expect, it } from 'vitest';
import '../../devices/index.ts';
import type { LabEvent } from '../../emulator/events.ts';
import type { TransportName } from '../../emulator/net/transport-choice.ts';
import { loadScenario, runScenario } from '../../emulator/runner.ts';

interface Seen {
  outcomes: string[];
  expectations: string[];
  kinds: Set<string>;
  registrations: Set<string>;
}

async function runOn(id: string, transport: TransportName): Promise<Seen> {
  const s = await loadScenario(id);
  if (!s.ok) throw new Error(s.message);
  const kinds = new Set<string>();
  const registrations = new Set<string>();
  const results = await runScenario(s.scenario, {
    transport,
    onLab: (lab) => {
      lab.timeline.subscribe({}, (e: LabEvent) => {
        kinds.add(e.kind === 'net.listen' ? `net.listen:${e.proto}` : e.kind);
        if (e.kind === 'cucm.registered') registrations.add(`${e.protocol}/${e.transport}`);
      });
    },
  });
  return {
    outcomes: results.map((r) => `${r.variant}: ${r.outcome}${r.reason ? ` (${r.reason})` : ''}`),
    expectations: results.flatMap((r) =>
      r.steps.filter((st) => st.type === 'expect').map((st) => `${r.variant} ${st.title}: ${st.held}`),
    ),
    kinds,
    registrations,
  };
}

const SCENARIOS: { id: string; shows: (m: Seen) => void }[] = [
  {
    id: 'ctl-mixed-mode-happy',
    shows: (m) => {
      // The files came over TFTP (a UDP listener: the in-process datagrams), the trust lists with them.
      expect(m.kinds).toContain('net.listen:udp');
      expect(m.kinds).toContain('phone.trust-list');
      expect(m.kinds).toContain('phone.config');
      // Mixed mode: the phone registers over TLS (mutual, its MIC against the CallManager certificate).
      expect([...m.registrations].join()).toMatch(/\/tls/);
    },
  },
  { id: 'capf-wrong-auth-string', shows: (m) => expect(m.kinds).toContain('cucm.capf') },
  { id: 'legacy-7940-tftp-not-in-ctl', shows: (m) => expect([...m.registrations].join()).toMatch(/SCCP/) },
  {
    id: 'itl-regen-callmanager-tvs-vouches',
    shows: (m) => expect([...m.registrations].join()).toMatch(/SIP/),
  },
  { id: 'mra-phone-private-ca-expressway-e', shows: (m) => expect(m.kinds).toContain('jabber.sign-in') },
];

describe('catalogue scenarios on the in-memory transport', () => {
  for (const { id, shows } of SCENARIOS) {
    it(`${id}: every expectation holds as on loopback`, { timeout: 120_000 }, async () => {
      const loop = await runOn(id, 'loopback');
      const mem = await runOn(id, 'memory');
      expect(loop.outcomes.every((o) => o.endsWith(': passed'))).toBe(true);
      expect(mem.outcomes).toEqual(loop.outcomes);
      expect(mem.expectations).toEqual(loop.expectations);
      expect(mem.registrations).toEqual(loop.registrations);
      shows(mem);
    });
  }
});
