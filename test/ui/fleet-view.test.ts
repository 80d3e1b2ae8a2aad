/**
 * A lab of many phones in the trainer's view (emulator/ui/model/fleet.ts): its phones are one box in
 * the picture, counted by registration, with one link to each server adding up theirs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../emulator/events.ts';
import { LabViewModel, viewOf } from '../../emulator/ui/model/lab-view.ts';
import type { LabView, LinkView, Patch } from '../../emulator/ui/model/view.ts';
import { eventsOf } from './run-events.ts';

describe('the view of a lab of 40 phones', () => {
  let events: LabEvent[];
  let view: LabView;
  beforeAll(async () => {
    ({ events } = await eventsOf('fleet-regen-callmanager-and-tvs', 'fault'));
    view = viewOf(events);
  }, 120_000);

  it('is a fleet: one box counting its phones by registration', () => {
    expect(view.lab.fleet).toEqual({ lane: 'phones', kind: 'phone', members: 40 });
    const box = view.devices.find((d) => d.name === 'phones');
    expect(box?.kind).toBe('40 phones');
    expect(box?.badges.map((b) => `${b.label}: ${b.value}`)).toEqual(['registered: 36', 'unregistered: 4']);
  });

  it("joins its phones' links into one link to CUCM that adds up theirs", () => {
    const members = view.links.filter((l) => l.from.startsWith('SEP') && l.to === 'cucm-pub');
    const joined = view.links.find((l) => l.id === 'cucm-pub|phones');
    expect(members.length).toBe(40);
    expect(joined?.count).toBe(members.reduce((n, l) => n + l.count, 0));
    expect(joined?.failed).toBe(members.reduce((n, l) => n + l.failed, 0));
    expect(joined?.failed).toBeGreaterThan(0);
  });

  it('lays out the fleet as its one box beside the cluster', () => {
    const m = new LabViewModel();
    for (const e of events) m.apply(e);
    const g = m.graph();
    expect(g.devices.map((d) => d.name).sort()).toEqual(['cucm-pub', 'phones']);
    expect(g.links.map((l) => l.id)).toEqual(['cucm-pub|phones']);
  });

  it('sends the live page the same fleet link, patch by patch, as the whole view has', () => {
    const m = new LabViewModel();
    let last: LinkView | null = null;
    for (const e of events)
      for (const p of m.apply(e) as Patch[]) if (p.k === 'link' && p.v.id === 'cucm-pub|phones') last = p.v;
    expect(last).toEqual(view.links.find((l) => l.id === 'cucm-pub|phones'));
  });
});

describe('the view of a lab of one phone', () => {
  it('is no fleet: the phone is drawn as itself', async () => {
    const { events } = await eventsOf('itl-regen-callmanager-and-tvs', 'fault');
    const view = viewOf(events);
    expect(view.lab.fleet).toBeNull();
    expect(view.devices.map((d) => d.name)).not.toContain('phones');
    expect(view.devices.map((d) => d.name)).toContain('SEPB000B4BA0AEE');
  }, 120_000);
});
