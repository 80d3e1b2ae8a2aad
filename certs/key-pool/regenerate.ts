// Regenerates the committed lab key pool: `npm run keys:regenerate`.
// These keys are LAB keys, public in the repository: never use them outside the emulator.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeSpec, type KeySpec, POOL_FILES } from './specs.ts';

const NAMED_CURVE: Record<'P-256' | 'P-384' | 'P-521', string> = {
  'P-256': 'prime256v1',
  'P-384': 'secp384r1',
  'P-521': 'secp521r1',
};

function generate(spec: KeySpec): string {
  const pair =
    spec.kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: spec.bits, publicExponent: 0x10001 })
      : generateKeyPairSync('ec', { namedCurve: NAMED_CURVE[spec.curve] });
  return pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

const dir = join(import.meta.dirname, 'keys');
for (const pool of POOL_FILES) {
  const started = Date.now();
  const pems: string[] = [];
  for (let i = 0; i < pool.count; i++) pems.push(generate(pool.spec));
  writeFileSync(join(dir, pool.file), pems.join(''));
  console.error(`${pool.file}: ${pool.count} x ${describeSpec(pool.spec)} in ${Date.now() - started} ms`);
}
