/**
 * Per-lab memos. Several devices of one lab must derive the same certificates (CUCM's CallManager-trust
 * holds exactly the CAs that issued the phones' MICs), and issuing them is the slow part of a lab
 * start. A memo hangs off an object that lives exactly as long as the lab, its Timeline (every device
 * has it in its context), so `run --all`, the benchmark and long `uclab up` sessions do not keep every
 * lab's PKI for the life of the process.
 */
const memos = new WeakMap<object, Map<string, unknown>>();

export function labMemo<T>(scope: object, key: string, make: () => T): T {
  let m = memos.get(scope);
  if (!m) {
    m = new Map();
    memos.set(scope, m);
  }
  if (!m.has(key)) m.set(key, make());
  return m.get(key) as T;
}
