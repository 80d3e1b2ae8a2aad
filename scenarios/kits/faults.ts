/**
 * Scenario kit for network faults (emulator/net/fault-spec.ts): the lab pieces the fault scenarios
 * share (a subscriber, phone settings a fault scenario needs) and checks that read the timeline: a
 * phone registered with one node, the ITL a node served against the one a phone holds. Not a
 * scenario: the runner loads only `scenarios/*.ts`.
 */
import type { LabEvent } from '../../emulator/events.ts';
import type { Lab, LabDeclaration } from '../../emulator/lab.ts';
import { type ExpectStep, expectThat } from '../../emulator/scenario.ts';
import { sep } from './phone.ts';

export const SUBSCRIBER = 'cucm-sub';

/** A subscriber of the kit's publisher (cucm-pub), declared after it. */
export function withSubscriber(decl: LabDeclaration, release: string, name = SUBSCRIBER): LabDeclaration {
  const [pub, ...rest] = decl.devices;
  if (!pub) return decl;
  const sub = { kind: 'cucm', name, aliases: [`${name}.lab.example`], publisher: pub.name, release };
  return { devices: [pub, sub, ...rest] };
}

/**
 * Every phone of the declaration with `settings` merged in (`timers` merged with the kit's own): what a
 * fault scenario needs of a phone, e.g. a TFTP Server 2 or a connect timeout a blackhole does not make
 * the run wait 5 s for.
 */
export function withPhoneSettings(decl: LabDeclaration, settings: Record<string, unknown>): LabDeclaration {
  return {
    devices: decl.devices.map((d) => {
      if (d.kind !== 'phone') return d;
      const timers = {
        ...((d.timers as Record<string, unknown> | undefined) ?? {}),
        ...((settings.timers as Record<string, unknown> | undefined) ?? {}),
      };
      return { ...d, ...settings, timers };
    }),
  };
}

/** Where the phone's latest boot started on the timeline (its `phone.boot` action), or 0. */
function bootStarted(lab: Lab, mac: string): number {
  return (
    lab.timeline
      .ofKind('action', sep(mac))
      .filter((e) => e.name === 'phone.boot')
      .at(-1)?.seq ?? 0
  );
}

/** The phone becomes registered with `node` (its `phone.registration`), within `timeoutMs`. */
export function expectRegisteredWith(
  mac: string,
  node: string,
  explain: string,
  timeoutMs = 15_000,
): ExpectStep {
  return expectThat(`${sep(mac)} is registered with ${node}`, explain, async (lab) => {
    const isIt = (e: LabEvent) =>
      e.kind === 'phone.registration' &&
      e.device === sep(mac) &&
      e.state === 'registered' &&
      (e.server ?? '').startsWith(`${node}:`);
    try {
      const e = (await lab.timeline.waitFor(`${sep(mac)} registered with ${node}`, isIt, {
        timeoutMs,
        since: bootStarted(lab, mac),
      })) as LabEvent<'phone.registration'>;
      return { held: true, saw: `registered (${e.transport} ${e.server})` };
    } catch {
      const last = lab.timeline.ofKind('phone.registration', sep(mac)).at(-1);
      return {
        held: false,
        saw: last ? `${last.state} (${last.server ?? '-'}: ${last.detail})` : 'no registration',
      };
    }
  });
}

/** The MD5 of the ITL a node's TFTP service generated last, from its log (`Tftp Itl file generated`). */
export function servedItlMd5(lab: Lab, node: string): string | null {
  const line = lab.timeline
    .logLines(node)
    .filter((l) => l.startsWith('Tftp Itl file generated'))
    .at(-1);
  return line ? (/md5\(([0-9a-f]{32})\)/.exec(line)?.[1] ?? null) : null;
}

/**
 * The ITL the phone holds is byte for byte the one the node serves: its MD5 (Settings > Security >
 * Trust List) equals the node's (seed 002: "compare ... the file on the phone with the file on the
 * TFTP server", md5sum).
 */
export function expectSameItl(mac: string, node: string, explain: string): ExpectStep {
  return expectThat(`${sep(mac)} holds the ITL ${node} serves, byte for byte`, explain, async (lab) => {
    const served = servedItlMd5(lab, node);
    const held = lab.timeline
      .ofKind('phone.trust-list', sep(mac))
      .filter((e) => e.list === 'ITL')
      .at(-1)?.md5;
    return {
      held: served !== null && held === served,
      saw: `phone ${held ?? 'none'}, ${node} ${served ?? 'none'}`,
    };
  });
}

/**
 * A lab fault: byte `offset` (from the end when negative) of the CTLFile.tlv `node` serves is changed,
 * as on a copy damaged in transfer or on disk. Not something an administrator does: the lab injects
 * it, as `fault()` injects a network fault.
 */
export function damageServedCtl(lab: Lab, offset: number, node = 'cucm-pub'): void {
  const d = lab.device(node) as unknown as { damageCtl?: (o: number) => boolean };
  if (typeof d.damageCtl !== 'function') throw new Error(`${node} is not a CUCM node`);
  if (!d.damageCtl(offset)) throw new Error(`${node} serves no CTL with a byte ${offset}`);
}
