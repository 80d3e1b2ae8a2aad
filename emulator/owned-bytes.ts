/**
 * Bytes kept for the life of a lab, in memory of their own. Node hands out small buffers (under 4 KB)
 * as slices of a shared 8 KB pool, and one long-lived slice keeps its whole pool slab alive: a
 * phone's 1 KB MIC or its CUCM's 3 KB signed config each held 8 KB that way (a heap snapshot of an
 * idle 200-phone lab, 16 KB of buffers per phone). Copying what is kept costs one small copy once.
 */
export function ownedBytes(b: Buffer): Buffer {
  // A view of most of its memory pins little that is not its own (a plain config inside its
  // signed file, which is kept too); a small slice of a large slab is copied.
  if (b.byteLength * 2 > b.buffer.byteLength) return b;
  const own = Buffer.allocUnsafeSlow(b.byteLength);
  b.copy(own);
  return own;
}

/**
 * A string kept for the life of a lab, in memory of its own. A substring of a parsed message (a SIP
 * header value) can be a V8 slice that keeps the whole message's text alive; a copy through bytes is
 * always a string of its own.
 */
export function ownString(s: string | undefined): string | null {
  return s === undefined ? null : Buffer.from(s, 'utf8').toString('utf8');
}
