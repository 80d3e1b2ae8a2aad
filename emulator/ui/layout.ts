/**
 * Where each device sits in the lab picture. ELK's layered layout (elkjs), with the devices put in
 * columns by role so that a trainer sees the same shape in every scenario (clients left, the edge in
 * the middle, the call control on the right) and nothing jumps when a new link appears. Computed in a
 * worker thread (layout-worker.mjs) so a running lab is never paused by it.
 */
import { Worker } from 'node:worker_threads';
import type { DeviceView, Layout, LinkView } from './model/view.ts';

/** Columns by device kind: who opens connections on the left, who answers on the right. */
const COLUMN: Record<string, number> = {
  phone: 0,
  'spa-phone': 0,
  jabber: 0,
  'expressway-e': 1,
  'expressway-c': 2,
  cucm: 3,
  'provisioning-server': 3,
  'app-server': 4,
};

export const NODE_WIDTH = 390;
/** Ports per line in a device's box. */
export const PORTS_PER_LINE = 3;

/** A device's box height (as picture.js draws it): name, kind and address, port lines, one line per badge. */
export function nodeHeight(d: DeviceView): number {
  return 74 + Math.ceil(d.ports.length / PORTS_PER_LINE) * 22 + d.badges.length * 30;
}

function columnOf(d: DeviceView): number {
  if (d.kind && COLUMN[d.kind] !== undefined) return COLUMN[d.kind] ?? 0;
  return d.ports.length > 0 ? 3 : 0;
}

interface ElkGraph {
  id: string;
  layoutOptions: Record<string, string>;
  children: { id: string; width: number; height: number; layoutOptions: Record<string, string> }[];
  edges: { id: string; sources: string[]; targets: string[] }[];
}

export function elkGraph(devices: DeviceView[], links: LinkView[]): ElkGraph {
  const names = new Set(devices.map((d) => d.name));
  return {
    id: 'lab',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.partitioning.activate': 'true',
      'elk.spacing.nodeNode': '36',
      'elk.layered.spacing.nodeNodeBetweenLayers': '170',
      'elk.padding': '[top=16,left=16,bottom=16,right=16]',
    },
    children: devices.map((d) => ({
      id: d.name,
      width: NODE_WIDTH,
      height: nodeHeight(d),
      layoutOptions: { 'elk.partitioning.partition': String(columnOf(d)) },
    })),
    edges: links
      .filter((l) => names.has(l.from) && names.has(l.to))
      .map((l) => ({ id: l.id, sources: [l.from], targets: [l.to] })),
  };
}

/** A layout without ELK, by the same columns: used when the worker cannot run. */
export function columnLayout(devices: DeviceView[]): Layout {
  const cols = new Map<number, DeviceView[]>();
  for (const d of devices) {
    const c = columnOf(d);
    cols.set(c, [...(cols.get(c) ?? []), d]);
  }
  const order = [...cols.keys()].sort((a, b) => a - b);
  const nodes: Layout['nodes'] = [];
  let height = 0;
  order.forEach((c, i) => {
    let y = 16;
    for (const d of cols.get(c) ?? []) {
      const h = nodeHeight(d);
      nodes.push({ name: d.name, x: 16 + i * (NODE_WIDTH + 170), y, w: NODE_WIDTH, h });
      y += h + 36;
    }
    height = Math.max(height, y);
  });
  return { width: 16 + order.length * (NODE_WIDTH + 170), height, nodes };
}

/** Lays out lab pictures in one worker; stop it when done. */
export class LayoutEngine {
  #worker: Worker | null = null;
  #next = 1;
  readonly #pending = new Map<number, (r: { ok: boolean; graph?: unknown; error?: string }) => void>();
  #failure: string | null = null;

  #start(): Worker | null {
    if (this.#worker || this.#failure) return this.#worker;
    try {
      const w = new Worker(new URL('./layout-worker.mjs', import.meta.url));
      w.unref();
      w.on('message', (m: { id: number; ok: boolean; graph?: unknown; error?: string }) => {
        this.#pending.get(m.id)?.(m);
        this.#pending.delete(m.id);
      });
      w.on('error', (e) => this.#fail(`the layout worker failed: ${e.message}`));
      w.on('exit', () => {
        this.#worker = null;
        this.#fail('the layout worker exited');
      });
      this.#worker = w;
    } catch (e) {
      this.#failure = `the layout worker cannot start: ${(e as Error).message}`;
    }
    return this.#worker;
  }

  #fail(why: string): void {
    this.#failure ??= why;
    for (const done of this.#pending.values()) done({ ok: false, error: why });
    this.#pending.clear();
  }

  /** Why ELK is not used (the column layout is), or null. */
  get failure(): string | null {
    return this.#failure;
  }

  async layout(devices: DeviceView[], links: LinkView[]): Promise<Layout> {
    const w = this.#start();
    if (!w) return columnLayout(devices);
    const id = this.#next++;
    const r = await new Promise<{ ok: boolean; graph?: unknown; error?: string }>((resolve) => {
      this.#pending.set(id, resolve);
      w.postMessage({ id, graph: elkGraph(devices, links) });
    });
    if (!r.ok) return columnLayout(devices);
    const g = r.graph as {
      width?: number;
      height?: number;
      children?: { id: string; x?: number; y?: number; width?: number; height?: number }[];
    };
    return {
      width: Math.ceil(g.width ?? 0),
      height: Math.ceil(g.height ?? 0),
      nodes: (g.children ?? []).map((c) => ({
        name: c.id,
        x: Math.round(c.x ?? 0),
        y: Math.round(c.y ?? 0),
        w: c.width ?? NODE_WIDTH,
        h: c.height ?? 100,
      })),
    };
  }

  async stop(): Promise<void> {
    const w = this.#worker;
    this.#worker = null;
    this.#failure ??= 'stopped';
    if (w) await w.terminate();
  }
}
