// Key specifications and how many lab keys the committed pool holds for each (architecture decision 5).

export type RsaBits = 1024 | 2048 | 4096;
export type EcCurve = 'P-256' | 'P-384' | 'P-521';
export type KeySpec = { kind: 'rsa'; bits: RsaBits } | { kind: 'ec'; curve: EcCurve };

export interface PoolFile {
  spec: KeySpec;
  /** File name under certs/key-pool/keys/. */
  file: string;
  count: number;
}

export const POOL_FILES: readonly PoolFile[] = [
  { spec: { kind: 'rsa', bits: 1024 }, file: 'rsa-1024.pem', count: 6 },
  { spec: { kind: 'rsa', bits: 2048 }, file: 'rsa-2048.pem', count: 24 },
  { spec: { kind: 'rsa', bits: 4096 }, file: 'rsa-4096.pem', count: 2 },
  { spec: { kind: 'ec', curve: 'P-256' }, file: 'ec-p256.pem', count: 8 },
  { spec: { kind: 'ec', curve: 'P-384' }, file: 'ec-p384.pem', count: 8 },
  { spec: { kind: 'ec', curve: 'P-521' }, file: 'ec-p521.pem', count: 2 },
];

export function specKey(spec: KeySpec): string {
  return spec.kind === 'rsa' ? `rsa-${spec.bits}` : `ec-${spec.curve}`;
}

/** "RSA 2048" / "EC P-384", as CUCM's certificate list shows the key type and size. */
export function describeSpec(spec: KeySpec): string {
  return spec.kind === 'rsa' ? `RSA ${spec.bits}` : `EC ${spec.curve}`;
}

export function poolFileFor(spec: KeySpec): PoolFile {
  const key = specKey(spec);
  const file = POOL_FILES.find((f) => specKey(f.spec) === key);
  if (!file) throw new Error(`no key pool for ${key}`);
  return file;
}

/** The spec of a node KeyObject (private or public), or undefined for key types the lab does not use. */
export function specOfKeyObject(key: {
  asymmetricKeyType?: string;
  asymmetricKeyDetails?: { modulusLength?: number; namedCurve?: string };
}): KeySpec | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength;
    return bits === 1024 || bits === 2048 || bits === 4096 ? { kind: 'rsa', bits } : undefined;
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' }[details.namedCurve ?? ''] as
      | EcCurve
      | undefined;
    return curve ? { kind: 'ec', curve } : undefined;
  }
  return undefined;
}
