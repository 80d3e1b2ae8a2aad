/** One HTTP request over an already-open fabric TLS/TCP socket (devices never open sockets themselves). */
import { request as httpRequest } from 'node:http';
import { asDuplex, type ByteStream } from '../../emulator/net/types.ts';

export interface HttpAnswer {
  status: number;
  reason: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function httpGetOver(
  sock: ByteStream,
  host: string,
  path: string,
  opts: { headers?: Record<string, string>; timeoutMs?: number; method?: string } = {},
): Promise<HttpAnswer | Error> {
  return new Promise((resolve) => {
    const r = httpRequest(
      {
        method: opts.method ?? 'GET',
        path,
        headers: { Host: host, Connection: 'close', ...opts.headers },
        createConnection: () => asDuplex(sock),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            reason: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', (e) => resolve(e));
      },
    );
    r.on('error', (e) => resolve(e));
    r.setTimeout(opts.timeoutMs ?? 10_000, () =>
      r.destroy(new Error(`no HTTP answer for ${path} within ${opts.timeoutMs ?? 10_000} ms`)),
    );
    r.end();
  });
}
