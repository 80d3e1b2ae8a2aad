/**
 * One HTTP request over an already-open fabric stream (devices never open sockets themselves), with
 * node:http as the HTTP/1.1 client: the stream goes in through `asDuplex`, the seam's one way to hand
 * a stream to a library that takes a Node duplex.
 */
import { request as httpRequest } from 'node:http';
import { asDuplex, type ByteStream } from '../../emulator/net/types.ts';

export interface HttpAnswer {
  status: number;
  reason: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface HttpRequestOptions {
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** The error text when no answer came in time (default names the path and the time). */
  timeoutMessage?: string;
  method?: string;
}

export function httpGetOver(
  stream: ByteStream,
  host: string,
  path: string,
  opts: HttpRequestOptions = {},
): Promise<HttpAnswer | Error> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    const r = httpRequest(
      {
        method: opts.method ?? 'GET',
        path,
        headers: { Host: host, Connection: 'close', ...opts.headers },
        createConnection: () => asDuplex(stream),
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
    r.setTimeout(timeoutMs, () =>
      r.destroy(new Error(opts.timeoutMessage ?? `no HTTP answer for ${path} within ${timeoutMs} ms`)),
    );
    r.end();
  });
}
