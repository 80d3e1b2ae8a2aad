/**
 * Header and request deadlines for one HTTP connection, as Tomcat's `connectionTimeout` and Node's
 * `headersTimeout` / `requestTimeout` give them: a peer that opens a connection and sends nothing, or
 * sends its request head a byte at a time (slowloris), or never finishes a body, is closed on time.
 *
 * Why our own timer: the CUCM's HTTP servers are fed the fabric's streams (node:http gets them with
 * `emit('connection')`), and an http.Server that is not itself listening never arms its
 * headersTimeout or requestTimeout on such sockets (docs/reference toolchain facts 4.3, measured:
 * a slowloris peer stays open). The 6970 server is our own parser and has no timer of its own.
 *
 * Phases: `awaitingHead` from when the connection can take a request (accept, or the end of the
 * previous response on a keep-alive connection) until the head is complete; `awaitingBody` from the
 * head until the body is in. When a phase's deadline passes, the connection is destroyed and
 * `expired` says which phase it was (for the node's log).
 */
import type { ByteStream } from '../../emulator/net/types.ts';

export interface HttpTimeouts {
  /** ms for the request head, from when the connection is ready for a request. */
  headerMs: number;
  /** ms for the request body, from the end of the head. */
  requestMs: number;
}

export type HttpPhase = 'head' | 'body';

/**
 * Defaults: Tomcat's `connectionTimeout="20000"` of the server.xml it ships (it also serves as the
 * keep-alive timeout when none is set), and Node's 60 s `headersTimeout` for a body.
 */
export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { headerMs: 20_000, requestMs: 60_000 };

export class HttpDeadline {
  #timer: NodeJS.Timeout | null = null;
  #done = false;

  constructor(
    private readonly socket: ByteStream,
    private readonly timeouts: HttpTimeouts,
    private readonly expired: (phase: HttpPhase, ms: number) => void,
  ) {
    socket.once('close', () => this.stop());
    this.awaitingHead();
  }

  #arm(phase: HttpPhase, ms: number): void {
    this.#clear();
    if (this.#done || ms <= 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#done || this.socket.destroyed) return;
      this.#done = true;
      this.expired(phase, ms);
      this.socket.destroy();
    }, ms);
    this.#timer.unref?.();
  }

  #clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** The connection is ready for a (next) request: its head must arrive within the header timeout. */
  awaitingHead(): void {
    this.#arm('head', this.timeouts.headerMs);
  }

  /** The head is in; the body (if any) must follow within the request timeout. */
  awaitingBody(): void {
    this.#arm('body', this.timeouts.requestMs);
  }

  /** The request is being answered: no deadline until the response is out. */
  answering(): void {
    this.#clear();
  }

  stop(): void {
    this.#done = true;
    this.#clear();
  }
}
