/**
 * The page's files and the HTML around them. The live page loads its modules from this server (the
 * page code in emulator/ui/assets, preact and htm from the installed packages: never a CDN); a report
 * file carries the same modules inline as data: URLs, with the view embedded as JSON, so it opens
 * from disk with no network. Both pages set a Content-Security-Policy that allows only those scripts.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ASSETS = fileURLToPath(new URL('./assets/', import.meta.url));

/** The page's own modules, imported as `uclab/<name>`. */
export const PAGE_MODULES = [
  'html.js',
  'store.js',
  'picture.js',
  'ladder.js',
  'screens.js',
  'logs.js',
  'detail.js',
  'controls.js',
  'panels.js',
  'app.js',
  'report.js',
  'exercise.js',
] as const;

/** Third-party modules by the specifier the page imports them with, and their file in the package. */
export const VENDOR: Record<string, { url: string; file: () => string }> = {
  preact: { url: '/vendor/preact.mjs', file: () => require.resolve('preact') },
  // htm's ESM build sits beside its CommonJS main (its exports map offers it only to `import`).
  htm: { url: '/vendor/htm.mjs', file: () => join(dirname(require.resolve('htm')), 'htm.mjs') },
};

const cache = new Map<string, string>();

function read(file: string): string {
  let text = cache.get(file);
  if (text === undefined) {
    // A source map comment would point a browser at a file the report does not carry.
    text = readFileSync(file, 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '');
    cache.set(file, text);
  }
  return text;
}

export function pageModule(name: string): string | null {
  return (PAGE_MODULES as readonly string[]).includes(name) ? read(`${ASSETS}${name}`) : null;
}

export function vendorModule(url: string): string | null {
  const v = Object.values(VENDOR).find((x) => x.url === url);
  return v ? read(v.file()) : null;
}

/** The page's stylesheets: the page and panels, then the picture and the ladder. */
export const STYLESHEETS = ['style.css', 'ladder.css', 'exercise.css'] as const;

export function stylesheet(name: string): string | null {
  return (STYLESHEETS as readonly string[]).includes(name) ? read(`${ASSETS}${name}`) : null;
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** Text that is safe inside a `<script>` element: no `</script`, no `<!--` (JSON stays the same JSON). */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function shell(o: { title: string; head: string; body: string; mode: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(o.title)}</title>
${o.head}
</head>
<body data-mode="${o.mode}">
<div id="app"></div>
${o.body}
</body>
</html>
`;
}

/** The live page and the Content-Security-Policy header to serve it with. */
export function livePage(title: string): { html: string; csp: string } {
  const importMap = JSON.stringify({
    imports: {
      ...Object.fromEntries(Object.entries(VENDOR).map(([k, v]) => [k, v.url])),
      'uclab/': '/assets/',
    },
  });
  const csp = [
    "default-src 'none'",
    `script-src 'self' ${sha256(importMap)}`,
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const html = shell({
    title,
    mode: 'live',
    head: [
      ...STYLESHEETS.map((name) => `<link rel="stylesheet" href="/assets/${name}">`),
      `<script type="importmap">${importMap}</script>`,
    ].join('\n'),
    // exercise.js: the "Check my fix" and "Hint" panel, shown only when attached to an exercise lab.
    body: [
      '<script type="module" src="/assets/app.js"></script>',
      '<script type="module" src="/assets/exercise.js"></script>',
    ].join('\n'),
  });
  return { html, csp };
}

function dataUrl(js: string): string {
  return `data:text/javascript;base64,${Buffer.from(js, 'utf8').toString('base64')}`;
}

/** A self-contained report page: modules inline, `data` embedded, nothing fetched. */
export function reportPage(title: string, data: unknown): string {
  const imports: Record<string, string> = {};
  for (const [k, v] of Object.entries(VENDOR)) imports[k] = dataUrl(read(v.file()));
  for (const m of PAGE_MODULES) {
    if (m !== 'app.js') imports[`uclab/${m}`] = dataUrl(read(`${ASSETS}${m}`));
  }
  const importMap = JSON.stringify({ imports });
  const css = STYLESHEETS.map((name) => read(`${ASSETS}${name}`)).join('\n');
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(importMap)} data:`,
    `style-src ${sha256(css)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return shell({
    title,
    mode: 'report',
    head: [
      `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`,
      `<style>${css}</style>`,
      `<script type="importmap">${importMap}</script>`,
    ].join('\n'),
    body: [
      `<script type="application/json" id="uclab-report">${scriptSafeJson(data)}</script>`,
      `<script type="module" src="${imports['uclab/report.js']}"></script>`,
    ].join('\n'),
  });
}
