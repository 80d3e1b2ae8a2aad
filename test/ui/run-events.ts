/** Runs a catalogue scenario's variant in this process and returns its whole timeline. */
import type { LabEvent } from '../../emulator/events.ts';
import { loadScenario, runVariant, type VariantResult } from '../../emulator/runner.ts';

export async function eventsOf(
  scenario: string,
  variant: string,
): Promise<{ events: LabEvent[]; result: VariantResult }> {
  const s = await loadScenario(scenario);
  if (!s.ok) throw new Error(s.message);
  let events: LabEvent[] = [];
  let read: (() => LabEvent[]) | null = null;
  const result = await runVariant(s.scenario, variant, {
    onLab: (lab) => {
      read = () => lab.timeline.events();
    },
  });
  if (read) events = (read as () => LabEvent[])();
  return { events, result };
}
