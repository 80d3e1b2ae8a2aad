/**
 * One cell of a fleet run: a lab of its own (the cluster and its part of the fleet, 200 phones by default: cell-lab.ts),
 * the plan's steps performed on it in order (operations.ts), and after each step the fleet's reaction
 * awaited on events (settle.ts): CUCM resets the registered phones after a certificate change and the
 * phones boot (trust lists, TVS, config, CAPF, registration), phones switched off for a window stay
 * off and boot when it ends. Every phone does its own work over the wire, with its own identity.
 *
 * Each phone's state after every step is read from its events (outcome.ts); its end state, the step
 * where it changed and its reason make the cell's part of the report.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { derChildren, readDer } from '../../certs/cisco-dn.ts';
import { Phone } from '../../devices/phone/phone.ts';
import { parseDuration } from '../clock.ts';
import type { LabEvent } from '../events.ts';
import { Lab } from '../lab.ts';
import type { TransportName } from '../net/transport-choice.ts';
import { cellDeclaration, cellLabOptions, clusterNodes } from './cell-lab.ts';
import type { FleetPhone } from './fleet.ts';
import { runFleetStep } from './fleet-step.ts';
import { describeStep } from './operations.ts';
import { classify, observePhones } from './outcome.ts';
import type { PlanFile } from './plan-file.ts';
import type { PhoneResult, PhoneState, StepSummary } from './report.ts';

export interface CellSpec {
  /** From 0 within the shard. */
  index: number;
  plan: PlanFile;
  phones: FleetPhone[];
  /** The lab start every cell shares, so their certificates are identical. */
  start: number;
  bootsInFlight: number;
  /** What the cell's lab runs on (run.ts picks it; loopback unless given). */
  transport?: TransportName;
  /** Keep every boot's duration (ms, from its `action phone.boot` to its `phone.boot`): the benchmark. */
  bootLatencies?: boolean;
}

export interface CellResult {
  index: number;
  phones: PhoneResult[];
  steps: StepSummary[];
  /** Digests of every node's own certificates, as `show cert own <unit>` prints them (see below). */
  certificates: { whole: string; signed: string };
  /** MD5 of the ITL the publisher served at start (its `cucm.file-changed` event). */
  itl: string | null;
  events: number;
  durationMs: number;
  /** Building and starting the lab (the cluster's PKI, the phones' MICs) and the certificate check. */
  setupMs: number;
  /** Wall time of each step, from its operation to the fleet settled. */
  stepMs: number[];
  bootLatencies: number[];
}

/**
 * The cluster's certificates as an administrator reads them (`show cert list own`, `show cert own
 * <unit>` on every node: the `cucm.admin` output), digested twice: whole (byte-identical across
 * cells when the PKI is) and without their signature (the tbsCertificate: names, serials, keys,
 * validity, extensions). The two differ for the ECDSA units: an ECDSA signature is randomised (a
 * fresh nonce per signature), so the same certificate signed twice has different bytes.
 */
async function certificateDigest(lab: Lab, nodes: string[]): Promise<{ whole: string; signed: string }> {
  const h = createHash('sha256');
  const tbs = createHash('sha256');
  for (const name of nodes) {
    const n = lab.device(name) as unknown as { exec(c: string): Promise<string> };
    const list = await n.exec('show cert list own');
    for (const line of list.split('\n')) {
      const unit = /^([^/\s]+)\//.exec(line)?.[1];
      if (!unit) continue;
      const out = await n.exec(`show cert own ${unit}`);
      const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(out)?.[0] ?? out;
      h.update(`${name}/${unit}\n${pem}\n`);
      tbs.update(`${name}/${unit}\n`).update(tbsOf(pem));
    }
  }
  return { whole: h.digest('hex').slice(0, 32), signed: tbs.digest('hex').slice(0, 32) };
}

/** The tbsCertificate DER of a PEM certificate (the first element of the Certificate SEQUENCE). */
function tbsOf(pem: string): Uint8Array {
  const der = new Uint8Array(new X509Certificate(pem).raw);
  const top = readDer(der, 0);
  const parts = top.ok ? derChildren(top.value) : null;
  return parts?.ok && parts.value[0] ? parts.value[0].raw : der;
}

/** The step where the phone reached its end state and stayed (null: it held it from the first step). */
function changedAt(states: PhoneState[], stepIds: string[]): string | null {
  const end = states.at(-1);
  let k = states.length - 1;
  while (k > 0 && states[k - 1] === end) k--;
  return k === 0 ? null : (stepIds[k] ?? null);
}

export async function runCell(
  spec: CellSpec,
  hooks: { progress?: (phoneSteps: number) => void } = {},
): Promise<CellResult> {
  const t0 = Date.now();
  const { plan, phones } = spec;
  const progress = hooks.progress ?? (() => {});
  const lab = await Lab.create({
    name: `${plan.id}-cell${spec.index + 1}`,
    seed: plan.seed ?? plan.id,
    start: spec.start,
    devices: phones.length + clusterNodes(plan).length,
    ...cellLabOptions(phones.length),
    ...(spec.transport ? { transport: spec.transport } : {}),
  });
  const names = phones.map((p) => p.name);
  const observed = observePhones(lab.timeline, names);
  const nodes = clusterNodes(plan);
  // The ITL the publisher serves at start, taken as its event happens (the timeline keeps a bounded
  // window of summaries: cell-lab.ts `cellLabOptions`).
  let itl: string | null = null;
  const offItl = lab.timeline.subscribe({ kind: 'cucm.file-changed', device: nodes[0] }, (e) => {
    if (e.kind === 'cucm.file-changed' && e.file === 'ITLFile.tlv') itl = e.md5;
  });
  const latencies: number[] = [];
  const started = new Map<string, number>();
  const offLatency = spec.bootLatencies
    ? lab.timeline.subscribe({ kind: ['action', 'phone.boot'] }, (e: LabEvent) => {
        if (e.kind === 'action' && e.name === 'phone.boot') started.set(e.device, e.t);
        else if (e.kind === 'phone.boot') {
          const s = started.get(e.device);
          if (s !== undefined) latencies.push(e.t - s);
        }
      })
    : () => {};
  try {
    const built = lab.build(cellDeclaration(plan, phones, { bootsInFlight: spec.bootsInFlight }));
    if (!built.ok) throw new Error(`cell ${spec.index + 1}: ${built.error.message}`);
    await lab.start();
    const certificates = await certificateDigest(lab, nodes);
    offItl();
    const setupMs = Date.now() - t0;
    const stepMs: number[] = [];

    const stepIds = plan.steps.map((s) => s.id);
    const states = new Map<string, PhoneState[]>(names.map((n) => [n, []]));
    const reasons = new Map<string, string>();
    const offline = new Set<string>();
    const steps: StepSummary[] = [];
    const idleMs = Math.max(1000, parseDuration(plan.run.settleTimeout));
    for (const [i, step] of plan.steps.entries()) {
      const stepStart = Date.now();
      const title = step.title ?? describeStep(step);
      lab.timeline.emit('plan', 'scenario.step', { index: i, title: `${step.id}: ${title}`, explain: '' });
      // Switched off from the start of the window's first step (a real phone unplugged beforehand).
      for (const p of phones) {
        if (p.offlineDuring.includes(step.id) && !offline.has(p.name)) {
          lab.device(p.name, Phone).goOffline();
          offline.add(p.name);
        }
      }
      let counted = 0;
      const next = plan.steps[i + 1]?.id;
      const { admin, settled } = await runFleetStep({
        lab,
        phones,
        offline,
        step,
        idleMs,
        onSettled: (n) => {
          counted += n;
          progress(n);
        },
        // Back on once the window's last step has run: the phone boots, as when it is plugged in.
        afterOperation: (track) => {
          for (const p of phones) {
            if (offline.has(p.name) && (next === undefined || !p.offlineDuring.includes(next))) {
              offline.delete(p.name);
              track(p.name, lab.device(p.name, Phone).goOnline());
            }
          }
        },
      });
      stepMs.push(Date.now() - stepStart);
      for (const n of names) {
        const v = observed.views.get(n);
        const c = v ? classify(v) : { state: 'unregistered' as const, reason: 'no events' };
        states.get(n)?.push(c.state);
        if (c.state !== 'offline') reasons.set(n, c.reason);
      }
      progress(phones.length - Math.min(counted, phones.length));
      steps.push({
        id: step.id,
        op: step.op,
        title,
        resets: settled.resets,
        boots: settled.boots,
        unsettled: settled.unsettled,
        adminFailures: admin.filter((a) => !a.ok).map((a) => `${a.node} ${a.action}: ${a.said}`),
      });
    }
    const results: PhoneResult[] = phones.map((p) => {
      const s = states.get(p.name) ?? [];
      const last = s.at(-1);
      const outcome = last === undefined || last === 'offline' ? 'unregistered' : last;
      return {
        index: p.index,
        name: p.name,
        group: p.group,
        model: p.model,
        firmware: p.firmware,
        outcome,
        changedAt: changedAt(s, stepIds),
        reason: reasons.get(p.name) ?? (last === 'offline' ? 'switched off at the end of the plan' : ''),
        cell: spec.index + 1,
        states: s,
      };
    });
    return {
      index: spec.index,
      phones: results,
      steps,
      certificates,
      itl,
      // Emitted in all: those kept and those not (bulk) or no longer (past the cap) in memory.
      events: lab.timeline.events().length + lab.timeline.dropped,
      durationMs: Date.now() - t0,
      setupMs,
      stepMs,
      bootLatencies: latencies,
    };
  } finally {
    offItl();
    offLatency();
    observed.stop();
    await lab.stop('plan finished');
  }
}
