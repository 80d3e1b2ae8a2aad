// htm over preact: tagged templates instead of a JSX build step. Every value interpolated into a
// template becomes a text node or a property, never markup: certificate subjects, log lines and
// scenario text are shown as the characters they are.

import htm from 'htm';
import { Component, h } from 'preact';

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

/**
 * Draws `render()` again only when one of `deps` changed (compared by identity): a panel whose data did
 * not change costs nothing when another panel updates.
 */
export class Memo extends Component {
  shouldComponentUpdate(next) {
    const a = this.props.deps;
    const b = next.deps;
    return a.length !== b.length || a.some((d, i) => d !== b[i]);
  }

  render({ render }) {
    return render();
  }
}
