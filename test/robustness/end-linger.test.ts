/**
 * endAfterAnswer (emulator/net/limits.ts) ends a connection, and cuts it if the peer does not close
 * its side within the linger time, so a connection refused for garbage holds no slot for long.
 */
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { END_LINGER_MS, endAfterAnswer } from '../../emulator/net/limits.ts';

class FakeStream extends EventEmitter {
  destroyed = false;
  ended = false;
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ending a connection after its answer', () => {
  it('ends at once and destroys only when the peer has not closed within the linger time', () => {
    const s = new FakeStream();
    endAfterAnswer(s);
    expect(s.ended).toBe(true);
    vi.advanceTimersByTime(END_LINGER_MS - 1);
    expect(s.destroyed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(s.destroyed).toBe(true);
  });

  it('leaves a connection the peer closed in time alone', () => {
    const s = new FakeStream();
    const destroy = vi.spyOn(s, 'destroy');
    endAfterAnswer(s);
    s.emit('close');
    vi.advanceTimersByTime(END_LINGER_MS * 2);
    expect(destroy).not.toHaveBeenCalled();
  });
});
