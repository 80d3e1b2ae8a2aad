/**
 * The lab as a check sees it: the same devices, but a timeline that starts after `since` (a `seq`).
 * A solved-check asks "what happens now?": the fault's own lines ("SNI ... not in certificate", an
 * unregistered phone) were logged before the trainee repaired anything and must not count against the
 * repair, nor an earlier check's lines against a later one.
 */
import type { EventFilter, EventKind, LabEvent, Timeline } from '../events.ts';
import type { Lab } from '../lab.ts';

type WaitOpts = { timeoutMs?: number; since?: number; sawFilter?: EventFilter };

function timelineSince(t: Timeline, since: number): Timeline {
  const after = <E extends LabEvent>(events: E[]): E[] => events.filter((e) => e.seq > since);
  const view: Partial<Timeline> = {
    events: (filter?: EventFilter) => after(t.events(filter)),
    ofKind: <K extends EventKind>(kind: K, device?: string) => after(t.ofKind(kind, device)),
    logLines: (device: string) => after(t.ofKind('log', device)).map((e) => e.text),
    waitFor: ((what: string, predicate: (e: LabEvent) => boolean, opts: WaitOpts = {}) =>
      t.waitFor(what, predicate, {
        ...opts,
        since: Math.max(since, opts.since ?? 0),
      })) as Timeline['waitFor'],
  };
  return new Proxy(t, {
    get(target, prop) {
      if (Object.hasOwn(view, prop)) return view[prop as keyof Timeline];
      // Timeline keeps its state in private fields: its own methods must run on the timeline itself.
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** `lab` with its timeline seen from after `since`; everything else is the lab itself. */
export function labSince(lab: Lab, since: number): Lab {
  const timeline = timelineSince(lab.timeline, since);
  return new Proxy(lab, {
    get(target, prop) {
      if (prop === 'timeline') return timeline;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The `seq` of the newest event on the timeline (0 when there is none). */
export function lastSeq(lab: Lab): number {
  return lab.timeline.events().at(-1)?.seq ?? 0;
}
