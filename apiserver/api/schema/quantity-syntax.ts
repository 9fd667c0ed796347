/**
 * The syntax check k8s.io/apimachinery/pkg/api/resource.ParseQuantity
 * applies when a Quantity is decoded, with its error texts (ErrFormatWrong,
 * ErrNumeric, ErrSuffix). Values are not canonicalised here.
 */

/** The regular expression Kubernetes quotes in ErrFormatWrong. */
export const quantityPattern = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
const pattern = new RegExp(quantityPattern);
const suffixes = new Set(['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E']);

/** Returns the decode error text for a Quantity string, or undefined when it parses. */
export function quantitySyntaxError(text: string): string | undefined {
  const s = text.trim();
  const m = pattern.exec(s);
  if (s === '' || !m) return `quantities must match the regular expression '${quantityPattern}'`;
  const num = m[1]!;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(num)) return 'unable to parse numeric part of quantity';
  const suffix = m[2]!;
  if (!suffixes.has(suffix) && !/^[eE][-+]?\d+$/.test(suffix)) return "unable to parse quantity's suffix";
  return undefined;
}
