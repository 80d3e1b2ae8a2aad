/**
 * Benchmark of the trainer's page (not a test: it reports, it does not assert). A real lab (one CUCM,
 * phones booting again and again) runs until its timeline holds 6,000 events; the page is attached to
 * its first 5,000 (time to first render), then the last 1,000 arrive live (time until the page shows
 * them, and the main-thread time the page spent drawing). Numbers are reported against the run's own
 * event count. Usage: `npx tsx bench/ui.bench.ts` (add `--json` for machine output).
 */
import '../devices/index.ts';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { LabEvent } from '../emulator/events.ts';
import { runVariant } from '../emulator/runner.ts';
import { act, defineScenario } from '../emulator/scenario.ts';
import { LabViewModel } from '../emulator/ui/model/lab-view.ts';
import { startUiServer } from '../emulator/ui/server.ts';
import { cucmPhone, type PhoneSpec, phone, phoneDevice } from '../scenarios/kits/phone.ts';

const BEFORE = 5000;
const LIVE = 1000;
const PHONES = 10;

const specs: PhoneSpec[] = Array.from({ length: PHONES }, (_, i) => ({
  mac: `B0B0B0B0B0${String(i).padStart(2, '0')}`,
  model: 'CP-8861',
  firmware: 'sip-88xx-14.2',
  protocol: 'SIP',
  security: 'non-secure',
  line: String(2000 + i),
}));

const scenario = defineScenario({
  id: 'bench-ui',
  title: 'Phones booting until the timeline holds enough events',
  seed: '-',
  tags: ['bench'],
  symptom: '-',
  rootCause: '-',
  fix: '-',
  variants: { run: { explain: 'Ten phones boot again and again.', params: {} } },
  lab: () => ({
    devices: [
      {
        kind: 'cucm',
        name: 'cucm-pub',
        aliases: ['cucm-pub.lab.example'],
        release: '14',
        phones: specs.map(cucmPhone),
      },
      ...specs.map((p) => phoneDevice(p)),
    ],
  }),
  steps: () => [
    act(
      'The phones boot until the lab has its events',
      'Each boot: TFTP, config, SIP registration.',
      async (lab) => {
        while (lab.timeline.events().length < BEFORE + LIVE) {
          await Promise.all(specs.map((p) => phone(lab, p.mac).boot()));
        }
      },
    ),
  ],
});

async function waitFor(
  what: string,
  test: () => boolean | Promise<boolean>,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let events: LabEvent[] = [];
const run0 = performance.now();
const result = await runVariant(scenario, 'run', {
  onLab: (lab) => {
    lab.timeline.subscribe(undefined, (e) => {
      events.push(e);
    });
  },
});
const runMs = performance.now() - run0;
if (result.outcome !== 'passed') throw new Error(`the bench lab did not run: ${result.reason}`);
events = events.filter((e) => e.kind !== 'lab.stopping' && e.kind !== 'lab.stopped').slice(0, BEFORE + LIVE);

// The view model alone, in this process: the cost per event on the server.
const m0 = performance.now();
const model = new LabViewModel();
for (const e of events) model.apply(e);
const modelMs = performance.now() - m0;
const snapshot = model.snapshot();

const dir = mkdtempSync(join(tmpdir(), 'uclab-bench-ui-'));
writeFileSync(join(dir, 'lab.json'), JSON.stringify({ schemaVersion: 1, lab: 'bench-ui/run', block: null }));
const file = join(dir, 'events.jsonl');
writeFileSync(
  file,
  events
    .slice(0, BEFORE)
    .map((e) => `${JSON.stringify(e)}\n`)
    .join(''),
);

const server = await startUiServer();
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--headless=new',
    '--disable-gpu',
    '--disable-background-networking',
    '--no-first-run',
  ],
});
try {
  const attached = await server.session.attach(dir);
  if (!attached.ok) throw new Error(attached.message);
  await waitFor(
    'the server to read the first events',
    () => server.session.message().view.lab.events >= BEFORE,
  );
  // The catalogue (every scenario file imported) is loaded once per server: not part of a render.
  await server.session.catalogue();
  const resetBytes = JSON.stringify(server.session.message()).length;
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const shown = async (n: number) =>
    Number(await page.evaluate(() => document.body.dataset.events ?? '0')) >= n &&
    (await page.locator('.row').count()) > 0;
  const t0 = performance.now();
  await page.goto(server.url);
  await waitFor('the first render', () => shown(BEFORE));
  const firstRenderMs = performance.now() - t0;
  const drawBefore = Number(await page.evaluate(() => document.body.dataset.drawMs ?? '0'));
  const drawsBefore = Number(await page.evaluate(() => document.body.dataset.draws ?? '0'));

  const t1 = performance.now();
  appendFileSync(
    file,
    events
      .slice(BEFORE)
      .map((e) => `${JSON.stringify(e)}\n`)
      .join(''),
  );
  await waitFor('the live events on the page', () => shown(BEFORE + LIVE));
  const liveMs = performance.now() - t1;
  const drawAfter = Number(await page.evaluate(() => document.body.dataset.drawMs ?? '0'));
  const draws = Number(await page.evaluate(() => document.body.dataset.draws ?? '0'));

  const report = {
    schemaVersion: 1,
    run: { events: BEFORE + LIVE, phones: PHONES, wallMs: Math.round(runMs) },
    view: {
      rows: snapshot.rows.length,
      logs: snapshot.logs.length,
      devices: snapshot.devices.length,
      resetBytes,
    },
    server: {
      modelMsTotal: Math.round(modelMs),
      modelUsPerEvent: Math.round((modelMs * 1000) / events.length),
    },
    firstRender: {
      events: BEFORE,
      ms: Math.round(firstRenderMs),
      pageDrawMs: Math.round(drawBefore),
      draws: drawsBefore,
    },
    live: {
      events: LIVE,
      msUntilShown: Math.round(liveMs),
      pageDrawMs: Math.round(drawAfter - drawBefore),
      draws,
      note: 'msUntilShown includes the attach poll interval (250 ms) and the 40 ms patch batching',
    },
  };
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    const lines = [
      `run: ${report.run.events} events from ${PHONES} phones booting (${report.run.wallMs} ms)`,
      `view: ${report.view.rows} ladder rows, ${report.view.logs} log lines, reset message ${(resetBytes / 1024).toFixed(0)} KiB`,
      `server view model: ${report.server.modelMsTotal} ms for ${events.length} events (${report.server.modelUsPerEvent} µs/event)`,
      `time to first render of ${BEFORE} events: ${report.firstRender.ms} ms (the page drew for ${report.firstRender.pageDrawMs} ms in ${drawsBefore} draws)`,
      `${LIVE} live events shown after ${report.live.msUntilShown} ms; the page drew for ${report.live.pageDrawMs} ms (${draws} draws in all)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
} finally {
  await browser.close();
  await server.close();
}
