/**
 * An idle connection's framer holds no buffer (devices/protocols/framer.ts `ByteQueue.clear`): a small
 * one is a slice of Node's shared 8 KB allocation pool and would pin the whole slab for as long as
 * the registration stays up, at both ends of every SIP and SCCP connection of a fleet.
 */
import { describe, expect, it } from 'vitest';
import { ByteQueue } from '../../devices/protocols/framer.ts';

describe('a byte queue', () => {
  it('lets go of its buffer once every byte has been taken', () => {
    const q = new ByteQueue();
    q.append(Buffer.from('REGISTER sip:cucm SIP/2.0\r\n'));
    expect(q.view().buffer.byteLength).toBeGreaterThan(0);
    q.take(q.length);
    expect(q.length).toBe(0);
    expect(q.view().buffer.byteLength).toBe(0);
  });

  it('keeps what is not taken yet, across the release', () => {
    const q = new ByteQueue();
    q.append(Buffer.from('abc'));
    q.skip(3);
    q.append(Buffer.from('de'));
    q.append(Buffer.from('f'));
    expect(q.take(2).toString()).toBe('de');
    expect(q.view().toString()).toBe('f');
  });
});
