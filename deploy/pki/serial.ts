/**
 * Small helpers every issued cert shares: a random positive serial number
 * and X.509's whole-second times.
 */
import type { CryptoProvider } from './x509.ts';

/** A random 128-bit serial number as hex, positive and without a leading zero byte (RFC 5280 4.1.2.2: at most 20 octets, positive). */
export function randomSerial(crypto: CryptoProvider): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0] & 0x7f) | 0x40;
  return Buffer.from(b).toString('hex');
}

/** `d` truncated to whole seconds (X.509 UTCTime/GeneralizedTime precision). Pure. */
export function wholeSeconds(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}
