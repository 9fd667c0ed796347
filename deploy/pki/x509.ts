/**
 * The one door to @peculiar/x509: loads the reflect-metadata polyfill its DI
 * container needs before the library itself, so no other module has to
 * remember the order. Import `x509` from here, never from the package.
 * Every call that takes a crypto provider is given one explicitly
 * (`CryptoProvider`); the library's process-wide `cryptoProvider` is never set.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

/** The @peculiar/x509 namespace, loaded after the reflect-metadata polyfill (tsyringe needs it). */
export { x509 };

/** A WebCrypto implementation; in production Node's `globalThis.crypto` (= `crypto.webcrypto`). */
export type CryptoProvider = Crypto;

/** The signature algorithm of every Skiff cert: ECDSA with SHA-256 on P-256 keys (as k3s). */
export const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** The key algorithm of every Skiff key: ECDSA on curve P-256 (as k3s). */
export const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
