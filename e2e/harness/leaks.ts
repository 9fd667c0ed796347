/**
 * Looking for secrets in log text: the strings that would show a private key
 * (its PEM body lines, which are also substrings of the key's base64 printed
 * on one line, and a slice of the base64 of the whole PEM as kubeconfigs
 * embed it) or a bearer token (whole, or its signature part). Pure.
 */

/** A secret string to look for and a label that names it without revealing it. */
export interface Needle {
  label: string;
  value: string;
}

/** Shortest needle worth searching: shorter strings match by chance. */
export const MIN_NEEDLE = 24;

/**
 * The needles for every `PRIVATE KEY` PEM block in `pem`: each base64 body
 * line of at least MIN_NEEDLE chars, and chars 48..128 of base64(the whole
 * PEM text), which sit past the constant header. Labels are `<label> line N`
 * and `<label> as base64 PEM`.
 */
export function keyNeedles(label: string, pem: string): Needle[] {
  const out: Needle[] = [];
  const blocks = pem.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g) ?? [];
  for (const block of blocks) {
    const lines = block.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('-----'));
    lines.forEach((l, i) => {
      if (l.length >= MIN_NEEDLE) out.push({ label: `${label} line ${i + 1}`, value: l });
    });
    out.push({ label: `${label} as base64 PEM`, value: Buffer.from(block + '\n').toString('base64').slice(48, 128) });
  }
  return out;
}

/** The needles for a bearer token: the token, and for a JWS its signature part. */
export function tokenNeedles(label: string, token: string): Needle[] {
  const out: Needle[] = [{ label, value: token }];
  const sig = token.split('.')[2];
  if (sig !== undefined && sig.length >= MIN_NEEDLE) out.push({ label: `${label} (signature part)`, value: sig });
  return out;
}

/** One finding: which needle (or the literal marker) and the 1-based line it is on. */
export interface Leak {
  label: string;
  line: number;
}

/**
 * Every line of `text` holding the literal `PRIVATE KEY` or a needle's value
 * (needles shorter than MIN_NEEDLE are ignored), in line order.
 */
export function findLeaks(text: string, needles: readonly Needle[]): Leak[] {
  const usable = needles.filter((n) => n.value.length >= MIN_NEEDLE);
  const out: Leak[] = [];
  text.split('\n').forEach((l, i) => {
    if (l.includes('PRIVATE KEY')) out.push({ label: 'the text "PRIVATE KEY"', line: i + 1 });
    for (const n of usable) if (l.includes(n.value)) out.push({ label: n.label, line: i + 1 });
  });
  return out;
}
