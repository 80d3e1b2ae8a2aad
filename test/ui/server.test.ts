import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../emulator/runner.ts';
import { startUiServer, type UiServer } from '../../emulator/ui/server.ts';
import type { SessionMessage } from '../../emulator/ui/session.ts';

/** How many steps a variant of a catalogue scenario has: the tests follow the scenario, not a constant. */
async function stepCount(id: string, variant: string): Promise<number> {
  const r = await loadScenario(id);
  if (!r.ok) throw new Error(r.message);
  const v = r.scenario.variants[variant];
  if (!v) throw new Error(`${id} has no variant ${variant}`);
  return r.scenario.steps({ name: variant, params: v.params }).length;
}

/** A raw HTTP request, so the Host and Origin headers are exactly what a test says. */
function raw(
  url: string,
  o: { method?: string; host?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: o.method ?? 'GET',
        headers: { host: o.host ?? u.host, ...o.headers },
      },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Reads server-sent events until `until` says stop (bounded by a timeout, never by a sleep). */
async function readEvents(
  url: string,
  until: (event: string, data: unknown) => boolean,
  timeoutMs = 30_000,
): Promise<{ event: string; data: unknown }[]> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  const seen: { event: string; data: unknown }[] = [];
  try {
    const res = await fetch(url, { signal: ctrl.signal });
    const reader = res.body?.getReader();
    if (!reader) throw new Error('no body');
    const decoder = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let end = buf.indexOf('\n\n');
      while (end >= 0) {
        const frame = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1] ?? 'message';
        const data = JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? 'null') as unknown;
        seen.push({ event, data });
        if (until(event, data)) {
          ctrl.abort();
          return seen;
        }
        end = buf.indexOf('\n\n');
      }
    }
  } catch (e) {
    if (!ctrl.signal.aborted) throw e;
    throw new Error(`no matching event within ${timeoutMs} ms; saw: ${seen.map((s) => s.event).join(', ')}`);
  } finally {
    clearTimeout(timer);
  }
  return seen;
}

const post = (url: string, body: unknown) =>
  raw(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the page server', () => {
  let server: UiServer;
  beforeAll(async () => {
    server = await startUiServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves on the loopback address unless told otherwise', () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
  });

  it('refuses requests addressed to another host name (DNS rebinding)', async () => {
    const r = await raw(server.url, { host: 'attacker.example:80' });
    expect(r.status).toBe(421);
    expect((await raw(server.url)).status).toBe(200);
  });

  it('takes commands only as JSON from its own origin', async () => {
    const cross = await raw(`${server.url}api/next`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://attacker.example' },
      body: '{}',
    });
    expect(cross.status).toBe(403);
    const form = await raw(`${server.url}api/next`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(form.status).toBe(403);
  });

  it('answers a malformed command with a reason and keeps serving', async () => {
    const bad = await raw(`${server.url}api/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"scenario": ',
    });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({ ok: false, message: 'the body is not JSON' });
    const unknown = await post(`${server.url}api/run`, { scenario: 'no-such-scenario' });
    expect(JSON.parse(unknown.body).message).toContain('no scenario "no-such-scenario"');
    expect((await raw(`${server.url}api/catalogue`)).status).toBe(200);
  });

  it('holds a stepped run before each step until next, streaming the view as it goes', async () => {
    const started = await post(`${server.url}api/run`, {
      scenario: 'itl-regen-callmanager-and-tvs',
      variant: 'fault',
      stepping: true,
    });
    expect(JSON.parse(started.body)).toMatchObject({ ok: true });
    const held = (m: unknown) => (m as { control?: SessionMessage['control'] }).control?.waiting?.index;
    await readEvents(`${server.url}events`, (event, data) => event !== 'patch' && held(data) === 1);
    // Held before step 1: the devices are up, and no step has started.
    const view = (JSON.parse((await raw(`${server.url}api/view`)).body) as SessionMessage).view;
    expect(view.devices.map((d) => d.name)).toContain('cucm-pub');
    const steps = await stepCount('itl-regen-callmanager-and-tvs', 'fault');
    expect(view.steps.map((s) => s.state)).toEqual(Array(steps).fill('pending'));
    expect(JSON.parse((await post(`${server.url}api/next`, {})).body)).toMatchObject({ ok: true });
    const seen = await readEvents(
      `${server.url}events`,
      (event, data) => event !== 'patch' && held(data) === 2,
    );
    const reset = seen[0]?.data as SessionMessage;
    expect(reset.view.steps[0]?.state).not.toBe('pending');
    expect(reset.view.rows.some((r) => r.protocol === 'TFTP')).toBe(true);
    expect(JSON.parse((await post(`${server.url}api/restart`, {})).body)).toMatchObject({ ok: true });
  }, 60_000);
});
