/**
 * The trainer's page server: serves the page and its modules, streams the view as server-sent events,
 * and takes the page's commands (start a variant, next step, run to the end, restart). It binds the
 * loopback address unless told otherwise, answers only requests addressed to it by that name (so a
 * web page elsewhere cannot reach it through DNS rebinding), and takes commands only as JSON from its
 * own origin.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Broadcaster } from './broadcast.ts';
import { exerciseRoute } from './exercise-routes.ts';
import { LayoutEngine } from './layout.ts';
import { livePage, pageModule, stylesheet, vendorModule } from './page.ts';
import { Session } from './session.ts';

export interface UiServerOptions {
  host?: string;
  port?: number;
  artifactsDir?: string | null;
  /** What the page's pickers show first (the scenario named on the command line). */
  initial?: { scenario: string; variant: string | null; stepping: boolean } | null;
}

export interface UiServer {
  url: string;
  session: Session;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  extra: Record<string, string> = {},
) {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...extra,
  });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error(`the request body is over ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve({});
      try {
        const v = JSON.parse(text) as unknown;
        if (typeof v !== 'object' || v === null || Array.isArray(v))
          reject(new Error('the body is not a JSON object'));
        else resolve(v as Record<string, unknown>);
      } catch {
        reject(new Error('the body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

export async function startUiServer(opts: UiServerOptions = {}): Promise<UiServer> {
  const host = opts.host ?? '127.0.0.1';
  const broadcaster = new Broadcaster();
  const layout = new LayoutEngine();
  const session = new Session(broadcaster, layout, { artifactsDir: opts.artifactsDir ?? null });
  // Loading the catalogue imports every scenario file: done now, not while a page waits for it.
  void session.catalogue().catch(() => {});
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();
  let origin = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!allowedHosts.has(req.headers.host ?? '')) {
      return send(res, 421, 'text/plain; charset=utf-8', `this server answers only as ${origin}\n`);
    }
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;
    if (req.method === 'GET') {
      if (path === '/') {
        const page = livePage('uclab — trainer view');
        return send(res, 200, 'text/html; charset=utf-8', page.html, { 'content-security-policy': page.csp });
      }
      if (path.endsWith('.css')) {
        const css = stylesheet(path.slice('/assets/'.length));
        if (css !== null && path.startsWith('/assets/'))
          return send(res, 200, 'text/css; charset=utf-8', css);
      }
      if (path.startsWith('/assets/')) {
        const m = pageModule(path.slice('/assets/'.length));
        if (m !== null) return send(res, 200, 'text/javascript; charset=utf-8', m);
      }
      if (path.startsWith('/vendor/')) {
        const m = vendorModule(path);
        if (m !== null) return send(res, 200, 'text/javascript; charset=utf-8', m);
      }
      if (path === '/events') {
        broadcaster.add(res, [{ event: 'reset', data: session.message() }]);
        return;
      }
      if (path === '/api/catalogue') {
        return json(res, 200, { scenarios: await session.catalogue(), initial: opts.initial ?? null });
      }
      if (path === '/api/view') return json(res, 200, session.message());
      const x = await exerciseRoute('GET', path, session);
      if (x) return json(res, x.status, x.body);
      return send(res, 404, 'text/plain; charset=utf-8', `no ${path} here\n`);
    }
    if (req.method === 'POST' && path.startsWith('/api/')) {
      // Commands come from this page only: a JSON body (a cross-site form cannot send one without a
      // preflight this server never grants) and, when the browser says, our own origin.
      const from = req.headers.origin;
      if (
        (from !== undefined && !allowedOrigins.has(from)) ||
        !/^application\/json\b/.test(req.headers['content-type'] ?? '')
      ) {
        return json(res, 403, { ok: false, message: 'commands are JSON from this page only' });
      }
      let body: Record<string, unknown>;
      try {
        body = await readJson(req);
      } catch (e) {
        return json(res, 400, { ok: false, message: (e as Error).message });
      }
      switch (path) {
        case '/api/run': {
          const scenario = typeof body.scenario === 'string' ? body.scenario : '';
          if (!scenario)
            return json(res, 400, { ok: false, message: 'name a scenario ("scenario": "<id>")' });
          const variant = typeof body.variant === 'string' ? body.variant : undefined;
          const r = await session.start(scenario, variant, body.stepping !== false);
          return json(res, r.ok ? 200 : 400, r);
        }
        case '/api/next':
          return json(
            res,
            200,
            session.next()
              ? { ok: true, message: 'running the step' }
              : { ok: false, message: 'no step is waiting' },
          );
        case '/api/continue':
          return json(
            res,
            200,
            session.runToEnd()
              ? { ok: true, message: 'running to the end' }
              : { ok: false, message: 'nothing is running' },
          );
        case '/api/restart': {
          const r = await session.restart();
          return json(res, r.ok ? 200 : 400, r);
        }
        case '/api/attach': {
          const dir = typeof body.dir === 'string' ? body.dir : '';
          if (!dir)
            return json(res, 400, { ok: false, message: 'name the lab folder ("dir": "<artifacts>")' });
          const r = await session.attach(dir);
          return json(res, r.ok ? 200 : 400, r);
        }
      }
      const x = await exerciseRoute('POST', path, session);
      if (x) return json(res, x.status, x.body);
    }
    return send(res, 405, 'text/plain; charset=utf-8', `${req.method} ${path} is not served here\n`);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      // A request that fails is answered, and the server goes on (bad input never crashes it).
      if (!res.headersSent)
        json(res, 500, { ok: false, message: `the server failed: ${(e as Error).message}` });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  origin = `http://${shown}:${port}`;
  allowedHosts = new Set([
    `${shown}:${port}`,
    ...(host === '127.0.0.1' || host === '::1' ? [`localhost:${port}`] : []),
  ]);
  allowedOrigins = new Set([...allowedHosts].map((h) => `http://${h}`));
  return {
    url: `${origin}/`,
    session,
    close: async () => {
      await session.close();
      broadcaster.close();
      await layout.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
