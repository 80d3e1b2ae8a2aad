// htm over preact: tagged templates instead of a JSX build step. Every value interpolated into a
// template becomes a text node or a property, never markup: certificate subjects, log lines and
// scenario text are shown as the characters they are.

import htm from 'htm';
import { h } from 'preact';

export const html = htm.bind(h);

export const TONE_OF_OUTCOME = {
  ok: 'ok',
  refused: 'bad',
  failed: 'bad',
  warn: 'warn',
  pending: 'info',
  info: 'info',
};

/** `+1234 ms` as `+1.234 s` once past a second: easier to read from the back of a room. */
export function since(t) {
  return t < 1000 ? `+${t} ms` : `+${(t / 1000).toFixed(3)} s`;
}
