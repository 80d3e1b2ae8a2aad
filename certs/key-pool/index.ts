// The committed pool of pre-generated lab keys (architecture decision 5: no key generation at run
// time; RSA 2048 keygen costs hundreds of ms, 4096 seconds). Files are read lazily, once per spec.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toArrayBuffer } from '../pem.ts';
import { hashToIndex } from '../seeded-random.ts';
import { subtle } from '../x509.ts';
import { describeSpec, type KeySpec, poolFileFor, specKey, specOfKeyObject } from './specs.ts';

export type { EcCurve, KeySpec, RsaBits } from './specs.ts';
export { describeSpec, specKey, specOfKeyObject } from './specs.ts';

export type SignatureHash = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

export interface PoolKey {
  spec: KeySpec;
  /** Position in the pool file, for diagnostics ("rsa-2048#7"). */
  id: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  pkcs8Pem: string;
  /** DER SubjectPublicKeyInfo. */
  spkiDer: Buffer;
}

const KEYS_DIR = join(import.meta.dirname, 'keys');
const loaded = new Map<string, PoolKey[]>();
const signingKeys = new WeakMap<KeyObject, Map<SignatureHash, Promise<CryptoKey>>>();

function splitPem(text: string): string[] {
  return text.match(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\r?\n?/g) ?? [];
}

/** All keys of one spec, read from disk on first use. */
export function poolKeys(spec: KeySpec): readonly PoolKey[] {
  const name = specKey(spec);
  const cached = loaded.get(name);
  if (cached) return cached;
  const file = poolFileFor(spec);
  const pems = splitPem(readFileSync(join(KEYS_DIR, file.file), 'utf8'));
  if (pems.length === 0)
    throw new Error(`key pool file ${file.file} holds no keys: run npm run keys:regenerate`);
  const keys = pems.map((pem, i): PoolKey => {
    const privateKey = createPrivateKey(pem);
    const publicKey = createPublicKey(privateKey);
    const pkcs8Pem = pem.endsWith('\n') ? pem : `${pem}\n`;
    return {
      spec,
      id: `${name}#${i}`,
      privateKey,
      publicKey,
      pkcs8Pem,
      spkiDer: publicKey.export({ type: 'spki', format: 'der' }),
    };
  });
  loaded.set(name, keys);
  return keys;
}

/**
 * A WebCrypto signing key for `hash`, imported once per (key, hash) and cached: RSASSA-PKCS1-v1_5
 * keys are bound to their hash at import time. Works for pool keys and for any other KeyObject.
 */
export function signingKey(key: PoolKey | KeyObject, hash: SignatureHash): Promise<CryptoKey> {
  const privateKey = 'privateKey' in key ? key.privateKey : key;
  const spec = 'privateKey' in key ? key.spec : specOfKeyObject(key);
  let byHash = signingKeys.get(privateKey);
  if (!byHash) {
    byHash = new Map();
    signingKeys.set(privateKey, byHash);
  }
  let imported = byHash.get(hash);
  if (!imported) {
    const der = privateKey.export({ type: 'pkcs8', format: 'der' });
    const algorithm =
      privateKey.asymmetricKeyType === 'rsa'
        ? { name: 'RSASSA-PKCS1-v1_5', hash }
        : { name: 'ECDSA', namedCurve: spec?.kind === 'ec' ? spec.curve : 'P-256' };
    if (privateKey.asymmetricKeyType === 'ec' && spec?.kind !== 'ec') {
      throw new Error(`unsupported EC curve ${privateKey.asymmetricKeyDetails?.namedCurve ?? '?'}`);
    }
    imported = subtle.importKey('pkcs8', toArrayBuffer(der), algorithm, false, ['sign']);
    byHash.set(hash, imported);
  }
  return imported;
}

/** A key pair for WebCrypto APIs that want one (e.g. PKCS#10 generation). */
export async function cryptoKeyPair(key: PoolKey, hash: SignatureHash): Promise<CryptoKeyPair> {
  const privateKey = await signingKey(key, hash);
  const algorithm =
    key.spec.kind === 'rsa'
      ? { name: 'RSASSA-PKCS1-v1_5', hash }
      : { name: 'ECDSA', namedCurve: key.spec.curve };
  const publicKey = await subtle.importKey('spki', toArrayBuffer(key.spkiDer), algorithm, true, ['verify']);
  return { privateKey, publicKey };
}

export const keyPool = {
  /**
   * The pool key for `label`: the same label always maps to the same key; different labels spread
   * over the pool by hash (and may collide: use a KeyScope for distinct keys within one lab).
   */
  take(spec: KeySpec, label: string): PoolKey {
    const keys = poolKeys(spec);
    const key = keys[hashToIndex(`${specKey(spec)}:${label}`, keys.length)];
    if (!key) throw new Error(`empty key pool for ${describeSpec(spec)}`);
    return key;
  },
  size(spec: KeySpec): number {
    return poolKeys(spec).length;
  },
};

/**
 * Key allocation for one lab: a label keeps its key for the life of the scope, and different labels
 * get different keys until the pool of that spec is used up (then keys are shared, in hash order).
 * Deterministic for a given sequence of labels, which a scenario script fixes.
 */
export class KeyScope {
  private readonly byLabel = new Map<string, PoolKey>();
  private readonly used = new Map<string, Set<number>>();

  take(spec: KeySpec, label: string): PoolKey {
    const name = specKey(spec);
    const mapKey = `${name}:${label}`;
    const existing = this.byLabel.get(mapKey);
    if (existing) return existing;
    const keys = poolKeys(spec);
    let used = this.used.get(name);
    if (!used) {
      used = new Set();
      this.used.set(name, used);
    }
    if (used.size >= keys.length) used.clear(); // pool exhausted: start sharing keys
    let index = hashToIndex(mapKey, keys.length);
    while (used.has(index)) index = (index + 1) % keys.length;
    used.add(index);
    const key = keys[index];
    if (!key) throw new Error(`empty key pool for ${describeSpec(spec)}`);
    this.byLabel.set(mapKey, key);
    return key;
  }

  /** True when a label already holds a key in this scope. */
  has(spec: KeySpec, label: string): boolean {
    return this.byLabel.has(`${specKey(spec)}:${label}`);
  }
}
