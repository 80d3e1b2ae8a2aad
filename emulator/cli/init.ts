/**
 * `uclab init [DIR]`: a starter for scenarios that live in the user's own repository: a working
 * scenario (a phone booting against a CUCM), a package.json that depends on uclab, a CI job that
 * installs, runs the scenarios and keeps the JUnit and JSON reports, and a short README. It never
 * overwrites a file: when any of them exists, nothing is written (exit 2).
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';

const STARTER_SCENARIO = 'scenarios/phone-registers.ts';
const REPORTS = 'reports';
const RUN_LINE = `npx uclab run scenarios/*.ts --quiet --junit ${REPORTS}/junit.xml --artifacts ${REPORTS}/artifacts --json > ${REPORTS}/uclab.json`;

interface OwnPackage {
  version: string;
  devDependencies?: Record<string, string>;
}

function ownPackage(): OwnPackage {
  return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as OwnPackage;
}

function uclabVersion(): string {
  return ownPackage().version;
}

/**
 * The dependency spec for uclab in the starter's package.json. A path to a tarball or folder becomes
 * `file:` relative to DIR (so the folder can move with its tarball, e.g. a vendored `uclab-x.y.z.tgz`);
 * anything else (a version range, `file:`, `git+https:` ...) is written as given.
 */
export function dependencySpec(from: string | undefined, dir: string): string {
  if (!from) return `^${uclabVersion()}`;
  if (/^[a-z+]+:/i.test(from) || !existsSync(from)) return from;
  const rel = relative(dir, resolve(from)).split('\\').join('/');
  return `file:${rel.startsWith('.') || isAbsolute(rel) ? rel : `./${rel}`}`;
}

function packageName(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|[-.]+$/g, '');
  return name || 'uclab-scenarios';
}

function packageJson(dir: string, spec: string): string {
  const pkg = {
    name: packageName(dir),
    private: true,
    type: 'module',
    description: 'Cisco UC security scenarios, run with uclab',
    scripts: {
      test: `mkdir -p ${REPORTS} && ${RUN_LINE.replace('npx uclab', 'uclab')}`,
      list: 'uclab list',
    },
    dependencies: { uclab: spec },
    // uclab ships TypeScript sources that use Node's API: editors and tsc need Node's types for them.
    devDependencies: { '@types/node': ownPackage().devDependencies?.['@types/node'] ?? '^20.19.0' },
    // tsx runs without esbuild's postinstall (its binary comes from @esbuild/<platform>); npm 11
    // asks about install scripts otherwise.
    allowScripts: { esbuild: false },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

const WORKFLOW = `# Runs the uclab scenarios on every push and pull request, and keeps the reports even when a
# scenario fails: JUnit XML (for the test summary), the JSON report, and each lab's artifacts
# (certificates, trust lists, configs, TLS key log, logs).
name: uclab scenarios

on:
  push:
  pull_request:

jobs:
  scenarios:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - name: Install uclab
        run: npm install --no-audit --no-fund
      - name: Run the scenarios
        run: |
          mkdir -p ${REPORTS}
          ${RUN_LINE}
      - name: Keep the reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: uclab-reports
          path: ${REPORTS}/
`;

const GITIGNORE = `node_modules/
${REPORTS}/
artifacts/
`;

const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      skipLibCheck: true,
      // uclab's sources use Node's API; TypeScript 6 and later no longer pick up @types by themselves.
      types: ['node'],
    },
    include: ['scenarios'],
  },
  null,
  2,
)}\n`;

function readme(spec: string): string {
  return `# Cisco UC security scenarios

Scenarios for uclab, the lab emulator for CUCM, IP phones and
Expressway on real sockets with real TLS and X.509. Each file in \`scenarios/\` declares a lab, the
steps that drive it and the expectations that must hold.

    npm install                                   # uclab (${spec})
    npx uclab run ${STARTER_SCENARIO}             # exit 0 held, 1 an expectation failed, 2 broken
    npx uclab explain ${STARTER_SCENARIO}         # the scenario narrated step by step
    npx uclab up ${STARTER_SCENARIO}              # keep the lab up for openssl, curl, tshark
    npx uclab down artifacts                      # stop it again

A scenario imports the API from \`uclab\` (\`defineScenario\`, \`act\`, \`expectLog\`, \`expectNoLog\`,
\`expectThat\`, \`expectEqual\`) and ready-made declarations and steps from the kits:
\`uclab/kits/phone\`, \`uclab/kits/cucm\`, \`uclab/kits/expressway\`, \`uclab/kits/appserver\`.
\`npx uclab list\` shows the scenarios that come with uclab, to copy from.

CI (\`.github/workflows/uclab.yml\`) installs, runs every scenario and keeps \`${REPORTS}/junit.xml\`,
\`${REPORTS}/uclab.json\` and \`${REPORTS}/artifacts/\`, also when a scenario fails.
`;
}

/** The starter's files, by path relative to DIR, each with what it is for. */
export function starterFiles(dir: string, spec: string): Map<string, { text: string; about: string }> {
  const scenario = readFileSync(new URL('./starter/phone-registers.ts', import.meta.url), 'utf8');
  return new Map([
    [STARTER_SCENARIO, { text: scenario, about: 'a phone boots from CUCM and registers' }],
    [
      'package.json',
      { text: packageJson(dir, spec), about: `depends on uclab ${spec}; npm test runs the scenarios` },
    ],
    [
      '.github/workflows/uclab.yml',
      { text: WORKFLOW, about: 'CI: install, run, keep the JUnit and JSON reports' },
    ],
    ['tsconfig.json', { text: TSCONFIG, about: 'for editors and tsc' }],
    ['.gitignore', { text: GITIGNORE, about: 'node_modules, reports, artifacts' }],
    ['README.md', { text: readme(spec), about: 'how to run, explain and keep a lab up' }],
  ]);
}

export function init(dir: string, o: { from?: string }): { code: 0 | 2; message: string } {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    return { code: 2, message: `uclab init: ${dir} exists and is not a folder` };
  }
  const spec = dependencySpec(o.from, dir);
  const files = starterFiles(dir, spec);
  const taken = [...files.keys()].filter((f) => existsSync(join(dir, f)));
  if (taken.length > 0) {
    return {
      code: 2,
      message: `uclab init: ${dir} already has ${taken.join(', ')}; nothing was written (init never overwrites: pick a new folder, or move ${taken.length === 1 ? 'that file' : 'those files'} away)`,
    };
  }
  for (const [f, { text }] of files) {
    const full = join(dir, f);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text, { flag: 'wx' });
  }
  const width = Math.max(...[...files.keys()].map((f) => f.length));
  const lines = [
    `uclab init: wrote a starter in ${dir}`,
    ...[...files].map(([f, { about }]) => `  ${f.padEnd(width)}  ${about}`),
    '',
    'next:',
    `  cd ${dir} && npm install && npx uclab run ${STARTER_SCENARIO}`,
  ];
  if (!o.from) {
    lines.push(
      '',
      `package.json depends on uclab ${spec}; if you install uclab from a tarball, run`,
      `uclab init again with --from path/to/uclab-${uclabVersion()}.tgz, or npm install that tarball in ${dir}.`,
    );
  }
  return { code: 0, message: lines.join('\n') };
}

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description(
      'write a starter for your own scenarios: a scenario, a package.json depending on uclab, a CI job',
    )
    .argument('[dir]', 'the folder to write into (created if missing)', '.')
    .option(
      '--from <spec>',
      'how package.json names uclab: a tarball or folder path (written as file:), or any npm spec',
    )
    .action((dir: string, o: { from?: string }) => {
      const r = init(dir, o);
      process.stderr.write(`${r.message}\n`);
      process.exitCode = r.code;
    });
}
