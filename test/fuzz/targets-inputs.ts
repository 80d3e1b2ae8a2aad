/**
 * Fuzz targets for what users and peers hand the lab besides the wire protocols: HTTP request heads
 * (CUCM's TFTP over HTTP on 6970, and the peers' small HTTP parser), lab declarations as a scenario
 * gives them, and rollover plan files (YAML and JSON). Seeds are the catalogue's own declarations, the
 * committed plans and requests the lab's clients send.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HttpRequestReader } from '../../devices/cucm/tftp-http.ts';
import { parseRequestHead } from '../../devices/peers/http-lite.ts';
import { checkLabDeclaration } from '../../emulator/declaration-checks.ts';
import { parsePlanText } from '../../emulator/plan/plan-file.ts';
import type { FuzzTarget, Pushable } from './target.ts';

const REPO = resolve(import.meta.dirname, '..', '..');

/** The 6970 reader as a framer: a head is a result, a refusal an error that ends the stream. */
function httpFramer(): Pushable {
  const reader = new HttpRequestReader();
  return {
    push: (chunk) =>
      reader
        .push(chunk)
        .map((item) =>
          item.kind === 'request'
            ? { ok: true, head: item.head }
            : { ok: false, error: { code: `http.${item.status}`, message: item.reason } },
        ),
  };
}

const httpHead: FuzzTarget = {
  name: 'http-head',
  description: 'HTTP request heads: the 6970 reader (HttpRequestReader) and the peers’ parseRequestHead',
  maxLength: 20_000,
  async seeds() {
    return [
      'GET /ITLFile.tlv HTTP/1.1\r\nHost: 127.1.1.10:6970\r\n\r\n',
      'GET /SEP001122334455.cnf.xml.sgn HTTP/1.0\r\n\r\n',
      'POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET /CTLFile.tlv HTTP/1.1\r\nConnection: close\r\n\r\n',
      'GET /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n',
    ].map((s) => Buffer.from(s, 'latin1'));
  },
  tokens: [
    '\r\n',
    '\r\n\r\n',
    'Content-Length: ',
    'Transfer-Encoding: chunked',
    'Connection: close',
    ' HTTP/1.1',
  ],
  parse(input) {
    const items = httpFramer().push(input);
    const head = input.toString('latin1').split('\r\n\r\n')[0] ?? '';
    const peer = parseRequestHead(head);
    const refused = items.find((i) => !i.ok);
    if (refused) return refused;
    return peer.ok ? { ok: true } : peer;
  },
  framer: httpFramer,
};

/** A declaration handed over as JSON: what a scenario's `lab()` returns, from a file or a plan. */
const labDeclaration: FuzzTarget = {
  name: 'lab-declaration',
  description: 'lab declarations (checkLabDeclaration on the JSON of a scenario’s lab)',
  maxLength: 64_000,
  async seeds() {
    await import('../../devices/index.ts');
    const { loadCatalogue } = await import('../../emulator/runner.ts');
    const { scenarios } = await loadCatalogue();
    const out: Buffer[] = [];
    for (const s of scenarios.slice(0, 12)) {
      const [name, v] = Object.entries(s.variants)[0] ?? [];
      if (!name || !v) continue;
      out.push(Buffer.from(JSON.stringify(s.lab({ name, params: v.params }))));
    }
    return out;
  },
  tokens: [
    '"kind":',
    '"devices":',
    '"name":',
    '"notAfter":"+99999999999d"',
    '"model":',
    '"firmware":',
    '{',
    '}',
    '[',
    ']',
  ],
  parse(input) {
    let decl: unknown;
    try {
      decl = JSON.parse(input.toString('utf8'));
    } catch (e) {
      return { ok: false, error: { code: 'json.syntax', message: (e as Error).message } };
    }
    return checkLabDeclaration(decl);
  },
};

const planFile: FuzzTarget = {
  name: 'plan-file',
  description: 'rollover plan files (parsePlanText, YAML; JSON when the text starts with a brace)',
  maxLength: 32_000,
  async seeds() {
    const dir = join(REPO, 'plans');
    return readdirSync(dir)
      .filter((f) => /\.(ya?ml|json)$/.test(f))
      .map((f) => readFileSync(join(dir, f)));
  },
  tokens: [
    '\n  - ',
    ': ',
    '&a ',
    '*a',
    '{ ',
    ' }',
    'op: ',
    'duration: 99999999999d',
    'weight: ',
    '!!binary ',
    '---\n',
  ],
  parse(input) {
    const text = input.toString('utf8');
    return parsePlanText(text, 'fuzz.plan', text.trimStart().startsWith('{') ? 'json' : 'yaml');
  },
};

export const INPUT_TARGETS: readonly FuzzTarget[] = [httpHead, labDeclaration, planFile];
