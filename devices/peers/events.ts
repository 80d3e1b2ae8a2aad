/** Event kinds of the peer models (declaration merging into the lab's EventMap, emulator/events.ts). */
declare module '../../emulator/events.ts' {
  interface EventMap {
    /** A TLS renegotiation on an established connection (seed 001), as one end saw it. */
    'tls.renegotiation': {
      connId: string;
      role: 'client' | 'server';
      outcome: 'completed' | 'refused' | 'impossible';
      detail: string;
    };
  }
}

export {};
