/**
 * A plan's operations as an administrator performs them on one cell's cluster, through the CUCM's
 * admin API (the CLI, Cisco Unified OS Administration's certificate pages, Device > Phone) and the
 * phones' own buttons, never by reaching into a device:
 *
 * | plan op        | what the administrator does                                                   |
 * |----------------|-------------------------------------------------------------------------------|
 * | `regenerate`   | `set cert regen <unit>` on the node                                           |
 * | `ca-sign`      | Generate CSR, the enterprise CA signs it, upload the CA root (trust) and the   |
 * |                | CA-signed certificate with its chain                                          |
 * | `itl-reset`    | `utils itl reset localkey` (or `remotekey`)                                    |
 * | `ctl-update`   | `utils ctl update CTLFile`                                                    |
 * | `reissue-lsc`  | CAPF Information: Install/Upgrade for the LSC phones, then reset them          |
 * | `reset-phones` | Device > Reset (`via: cucm`: registered phones only) or a power cycle          |
 * | `wait`         | nothing, for a while                                                          |
 * | `cli`          | the command, as typed at the `admin:` prompt                                  |
 *
 * What CUCM does in reaction (resetting the registered phones after a certificate change) it does by
 * itself, over the wire; the cell waits for it on events (settle.ts).
 */
import { parseCsr, signCsr } from '../../certs/csr.ts';
import { createPkiContext, type SanEntry } from '../../certs/issue.ts';
import { enterpriseCaFor } from '../../certs/lab-pki.ts';
import { type CucmUnit, cucmCaSigningProfile } from '../../certs/profiles.ts';
import { UNIT_TRUST } from '../../devices/cucm/cert-store.ts';
import { CucmNodeDevice } from '../../devices/cucm/node.ts';
import { Phone } from '../../devices/phone/phone.ts';
import { parseDuration } from '../clock.ts';
import type { Lab } from '../lab.ts';
import { DOMAIN, PUBLISHER } from './cell-lab.ts';
import type { FleetPhone } from './fleet.ts';
import type { PlanStep } from './plan-file.ts';
import type { Settler } from './settle.ts';

/** One admin action of a step and what the administrator saw. */
export interface AdminRecord {
  node: string;
  action: string;
  ok: boolean;
  /** The first line that says what went wrong, or the last line of the output. */
  said: string;
}

const FAILED = /Executed command unsuccessfully/;

/** What the step needs of its cell: the lab, its phones, who is switched off, the settler. */
export interface StepContext {
  lab: Lab;
  phones: readonly FleetPhone[];
  offline: ReadonlySet<string>;
  settler: Settler;
}

function node(lab: Lab, name: string | undefined): CucmNodeDevice {
  return lab.device(name ?? PUBLISHER, CucmNodeDevice);
}

async function cli(lab: Lab, nodeName: string | undefined, command: string): Promise<AdminRecord> {
  const n = node(lab, nodeName);
  const output = await n.exec(command);
  const lines = output.split('\n').filter((l) => l.trim().length > 0);
  const ok = !FAILED.test(output);
  const said = ok ? (lines.at(-1) ?? '') : (lines.find((l) => !FAILED.test(l)) ?? lines[0] ?? '');
  return { node: n.name, action: `admin:${command}`, ok, said };
}

const HASH = { SHA1: 'SHA-1', SHA256: 'SHA-256', SHA384: 'SHA-384' } as const;

function sanOf(text: string): SanEntry {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(text) ? { type: 'ip', value: text } : { type: 'dns', value: text };
}

/** Generate CSR, sign it at the enterprise CA, upload the root to the unit's trust store and the leaf. */
async function caSign(lab: Lab, step: Extract<PlanStep, { op: 'ca-sign' }>): Promise<AdminRecord[]> {
  const n = node(lab, step.node);
  const unit = step.unit as CucmUnit;
  const action = `Generate CSR ${unit}; sign at ${step.ca} (${step.hash}); upload`;
  const csr = await n.generateCsr(unit);
  if (!csr.ok) return [{ node: n.name, action, ok: false, said: csr.error.message }];
  // The enterprise CA is the customer's, outside the cluster: the lab's stand-in (certs/lab-pki.ts).
  const ref = { seed: lab.seed, start: lab.clock.start, scope: lab.timeline };
  const ca = await enterpriseCaFor(ref);
  const issuing = createPkiContext({
    seed: `${lab.seed}/enterprise-ca/issued`,
    labStart: new Date(ref.start),
  });
  const requested = (await parseCsr(csr.value.csrPem)).san;
  const signed = await signCsr(
    issuing,
    csr.value.csrPem,
    ca,
    cucmCaSigningProfile({ host: n.name, domain: DOMAIN }, unit, {
      hash: HASH[step.hash],
      ...(step.sans.length > 0 ? { san: [...requested, ...step.sans.map(sanOf)] } : {}),
    }),
  );
  const out: AdminRecord[] = [];
  for (const store of UNIT_TRUST[unit].slice(0, 1)) {
    const t = n.uploadTrust(store, ca.certPem);
    out.push({
      node: n.name,
      action: `upload ${store} ${ca.cert.subject.replace(/\n/g, ', ')}`,
      ok: t.ok,
      said: t.ok ? `Certificate uploaded to ${store}` : t.error.message,
    });
  }
  const up = await n.uploadCaSigned(unit, signed.certPem, ca.certPem);
  out.push({
    node: n.name,
    action: `upload ${unit} (CA-signed)`,
    ok: up.ok,
    said: up.ok
      ? `Certificate Signed by ${ca.cert.subject.match(/CN=([^\n]+)/)?.[1] ?? 'the CA'}`
      : up.error.message,
  });
  return out;
}

function phoneOf(lab: Lab, name: string): Phone {
  return lab.device(name, Phone);
}

/** Resets phones: Device > Reset on CUCM (registered phones only), or a power cycle at each one. */
function resetPhones(ctx: StepContext, names: readonly string[], via: 'cucm' | 'power'): AdminRecord {
  if (via === 'cucm') {
    const n = node(ctx.lab, undefined);
    const sent = n.resetPhones([...names]);
    return {
      node: n.name,
      action: `Device > Reset (${names.length} phones)`,
      ok: true,
      said: `${sent} of ${names.length} phones registered and reset`,
    };
  }
  let cycled = 0;
  for (const name of names) {
    if (ctx.offline.has(name)) continue;
    ctx.settler.track(name, phoneOf(ctx.lab, name).reset());
    cycled++;
  }
  return {
    node: 'phones',
    action: `power cycle (${names.length} phones)`,
    ok: true,
    said: `${cycled} online phones power-cycled`,
  };
}

/** Performs one step's operation on the cell; resolves when the administrator's part is done. */
/**
 * `utils ctl update CTLFile`, or in an eToken cluster the CTL client with token 1 inserted: CUCM
 * refuses a CTL change without a token of the current CTL there (seed 002). The password is the lab's
 * default (`etokenPassword` of the CUCM declaration).
 */
function ctlUpdate(lab: Lab): AdminRecord {
  const node = lab.device(PUBLISHER, CucmNodeDevice);
  const r = node.updateCtl({ token: 1, password: 'Cisco123' });
  return {
    node: PUBLISHER,
    action: 'utils ctl update CTLFile',
    ok: r.ok,
    said: r.ok ? 'The CTLFile was updated' : r.error.message,
  };
}

export async function performStep(ctx: StepContext, step: PlanStep): Promise<AdminRecord[]> {
  const { lab } = ctx;
  switch (step.op) {
    case 'boot': {
      let booted = 0;
      for (const p of ctx.phones) {
        if (ctx.offline.has(p.name)) continue;
        ctx.settler.track(p.name, phoneOf(lab, p.name).boot());
        booted++;
      }
      return [{ node: 'phones', action: 'power on', ok: true, said: `${booted} phones booting` }];
    }
    case 'regenerate':
      return [await cli(lab, step.node, `set cert regen ${step.unit}`)];
    case 'ca-sign':
      return caSign(lab, step);
    case 'itl-reset':
      return [await cli(lab, undefined, `utils itl reset ${step.key}`)];
    case 'ctl-update':
      return [ctlUpdate(lab)];
    case 'cli':
      return [await cli(lab, step.node, step.command)];
    case 'wait':
      await new Promise((r) => setTimeout(r, parseDuration(step.duration)));
      return [{ node: 'plan', action: `wait ${step.duration}`, ok: true, said: '' }];
    case 'reset-phones':
      return [
        resetPhones(
          ctx,
          ctx.phones.map((p) => p.name),
          step.via,
        ),
      ];
    case 'reissue-lsc': {
      const n = node(lab, undefined);
      const lscPhones = ctx.phones.filter(
        (p) => p.certificate === 'lsc' && (!step.groups || step.groups.includes(p.group)),
      );
      const failures: string[] = [];
      for (const p of lscPhones) {
        const r = n.setCapfOperation(p.name, {
          operation: 'install',
          authMode: step.authMode,
          keySize: 2048,
        });
        if (!r.ok) failures.push(`${p.name}: ${r.error.message}`);
      }
      return [
        {
          node: n.name,
          action: `CAPF Information: Install/Upgrade (${step.authMode}) for ${lscPhones.length} LSC phones`,
          ok: failures.length === 0,
          said: failures[0] ?? `${lscPhones.length} CAPF operations pending`,
        },
        resetPhones(
          ctx,
          lscPhones.map((p) => p.name),
          step.via,
        ),
      ];
    }
  }
}

/** One line for the timeline and the report: what the step does. */
export function describeStep(step: PlanStep): string {
  switch (step.op) {
    case 'boot':
      return 'the phones are switched on';
    case 'regenerate':
      return `set cert regen ${step.unit}${step.node ? ` on ${step.node}` : ''}`;
    case 'ca-sign':
      return `${step.unit} CA-signed by the ${step.ca} (${step.hash})`;
    case 'itl-reset':
      return `utils itl reset ${step.key}`;
    case 'ctl-update':
      return 'utils ctl update CTLFile';
    case 'reissue-lsc':
      return `LSC reissue (${step.authMode}), reset via ${step.via}`;
    case 'reset-phones':
      return `phones reset via ${step.via}`;
    case 'wait':
      return `wait ${step.duration}`;
    case 'cli':
      return `admin:${step.command}`;
  }
}
