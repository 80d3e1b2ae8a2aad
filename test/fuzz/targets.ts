/** Every parser the fuzz harness covers, by name. */
import type { FuzzTarget } from './target.ts';
import { CERTS_TARGETS } from './targets-certs.ts';
import { INPUT_TARGETS } from './targets-inputs.ts';
import { PROTOCOL_TARGETS } from './targets-protocols.ts';

export const TARGETS: readonly FuzzTarget[] = [...PROTOCOL_TARGETS, ...CERTS_TARGETS, ...INPUT_TARGETS];
