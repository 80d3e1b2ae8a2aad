// The single import point for @peculiar/x509 (CONTRIBUTING: "import X.509 only through certs/x509.ts").
// tsyringe inside @peculiar/x509 needs a Reflect polyfill loaded before the library itself
// (docs/reference/toolchain.md §4.1), and the library needs a WebCrypto provider.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
export const subtle: SubtleCrypto = webcrypto.subtle as unknown as SubtleCrypto;
