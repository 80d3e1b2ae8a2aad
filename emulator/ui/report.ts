/**
 * `uclab run ... --report FILE.html`: one self-contained HTML file with, for every variant run, the
 * same picture, ladder, phone screens and logs as the live page (emulator/ui/page.ts inlines the page
 * code; the view is embedded as JSON). It opens from disk with no network, so a CI job can keep it as
 * an artifact and an engineer can attach it to a case.
 *
 * Each lab's events are folded into a view model as they happen (not kept), so a long run costs the
 * size of its views, not of its timelines.
 */
import { writeFileSync } from 'node:fs';
import type { Lab } from '../lab.ts';
import { err, ok, type Result, type UclabError } from '../result.ts';
import type { VariantResult } from '../runner.ts';
import { LayoutEngine } from './layout.ts';
import { LabViewModel } from './model/lab-view.ts';
import type { LabView } from './model/view.ts';
import { reportPage } from './page.ts';

export interface ReportData {
  schemaVersion: 1;
  generated: string;
  variants: {
    scenario: string;
    variant: string;
    title: string;
    explain: string;
    outcome: VariantResult['outcome'];
    reason: string | null;
    steps: VariantResult['steps'];
    view: LabView;
  }[];
}

/** Watches every lab of a run (`watch` from the runner's `onLab`) and writes the report at the end. */
export class RunReport {
  readonly #models = new Map<string, LabViewModel>();

  watch(lab: Lab): void {
    const model = new LabViewModel();
    this.#models.set(lab.name, model);
    for (const e of lab.timeline.events()) model.apply(e);
    lab.timeline.subscribe(undefined, (e) => {
      model.apply(e);
    });
  }

  /** The report's data: one entry per result, in the order run. */
  async data(results: VariantResult[], generated = new Date()): Promise<ReportData> {
    const layout = new LayoutEngine();
    try {
      const variants: ReportData['variants'] = [];
      for (const r of results) {
        const model = this.#models.get(`${r.scenario}/${r.variant}`) ?? new LabViewModel();
        const { devices, links } = model.graph();
        if (devices.length > 0) model.setLayout(await layout.layout(devices, links));
        variants.push({
          scenario: r.scenario,
          variant: r.variant,
          title: r.title,
          explain: r.explain,
          outcome: r.outcome,
          reason: r.reason,
          steps: r.steps,
          view: model.snapshot(),
        });
      }
      return { schemaVersion: 1, generated: generated.toISOString(), variants };
    } finally {
      await layout.stop();
    }
  }

  /** Writes the report file; a file that cannot be written is an error value naming it. */
  async write(file: string, results: VariantResult[]): Promise<Result<string, UclabError>> {
    const data = await this.data(results);
    const passed = results.filter((r) => r.outcome === 'passed').length;
    const title = `uclab report: ${passed} of ${results.length} variant(s) passed`;
    try {
      writeFileSync(file, reportPage(title, data));
      return ok(file);
    } catch (e) {
      return err({
        code: 'ui.report.write',
        message: `cannot write the report ${file}: ${(e as Error).message}`,
      });
    }
  }
}
