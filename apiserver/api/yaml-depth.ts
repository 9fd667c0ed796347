/**
 * A linear, non-recursive upper bound on how deeply a YAML (or JSON) text
 * nests, computed before the recursive YAML parser sees it. The `yaml`
 * package recurses per level: a few thousand levels of `{"a":` exhaust the
 * stack, and when that happens while V8 compiles a regular expression the
 * process dies (`FATAL ERROR: RegExpCompiler Allocation failed`), so one
 * request could kill the server. Bodies past the bound are refused first.
 */

/** Deepest YAML nesting the server parses; Kubernetes objects nest a few dozen levels. */
export const MAX_YAML_DEPTH = 256;

/**
 * True when `text` may nest deeper than `max`: flow collections (`{`, `[`
 * outside quotes and comments) deeper than `max`, or a line whose
 * indentation plus leading `- `/`? `/`: ` indicators exceeds `max`
 * (block nesting costs at least one column or indicator per level). May
 * over-estimate (then a very deeply indented text is refused), never under.
 */
export function yamlDepthExceeds(text: string, max: number = MAX_YAML_DEPTH): boolean {
  let flow = 0;
  let quote: '"' | "'" | undefined;
  let lineStart = true;
  let indent = 0;
  let indicators = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote !== undefined) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '\n') {
      lineStart = true;
      indent = 0;
      indicators = 0;
      continue;
    }
    if (lineStart) {
      if (ch === ' ' || ch === '\t') { indent++; continue; }
      if ((ch === '-' || ch === '?' || ch === ':') && (text[i + 1] === ' ' || text[i + 1] === '\t')) {
        indicators++;
        i++; // the blank after the indicator is part of it
        continue;
      }
      lineStart = false;
      if (indent + indicators > max) return true;
    }
    if (ch === '#' && (i === 0 || text[i - 1] === ' ' || text[i - 1] === '\t')) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '{' || ch === '[') {
      flow++;
      if (flow + indent + indicators > max) return true;
    } else if ((ch === '}' || ch === ']') && flow > 0) flow--;
  }
  return lineStart && indent + indicators > max;
}
