/**
 * The syntax check Kubernetes applies when a Quantity is decoded from JSON
 * (resource.Quantity.UnmarshalJSON: surrounding whitespace trimmed, then
 * ParseQuantity), with the ErrFormatWrong text. The parse is the one linear
 * scanner of api/quantity.ts, never a backtracking regular expression.
 */
import { tryParseQuantity } from '../quantity.ts';

/** The regular expression Kubernetes quotes in ErrFormatWrong (quoted only; never executed). */
export const quantityPattern = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

/** Returns the decode error text for a Quantity string, or undefined when it parses. Linear in `text.length`. */
export function quantitySyntaxError(text: string): string | undefined {
  return tryParseQuantity(text.trim()) === undefined ? `quantities must match the regular expression '${quantityPattern}'` : undefined;
}
