/**
 * Bytes kept for the life of a lab, in memory of their own. Node hands out small buffers (under 4 KB)
 * as slices of a shared 8 KB pool, and one long-lived slice keeps its whole pool slab alive: a
 * phone's 1 KB MIC or its CUCM's 3 KB signed config each held 8 KB that way (a heap snapshot of an
 * idle 200-phone lab, 16 KB of buffers per phone). Copying what is kept costs one small copy once.
 */
export function ownedBytes(b: Buffer): Buffer {
  if (b.byteOffset === 0 && b.buffer.byteLength === b.byteLength) return b;
  const own = Buffer.allocUnsafeSlow(b.byteLength);
  b.copy(own);
  return own;
}
