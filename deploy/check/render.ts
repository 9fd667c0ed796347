/**
 * The text `skiff check` prints: one line per check (`✓`, `!`, `✗`, or `-`
 * for a check that did not run), the fix indented under each problem, and
 * a summary; plus the exit code (1 when any check failed). Pure.
 */
import type { Finding, Level } from './decide.ts';

const MARK: Record<Level, string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };

/** What `skiff check` prints and the exit code it ends with. */
export interface Rendered {
  /** Lines joined by '\n', ending in one. */
  text: string;
  /** 1 when any finding failed, else 0. */
  exitCode: 0 | 1;
}

/** Renders findings in their order; fix lines are indented under `fix:`. */
export function renderFindings(findings: Finding[]): Rendered {
  const lines: string[] = [];
  for (const f of findings) {
    lines.push(`${MARK[f.level]} ${f.title}: ${f.message}`);
    if (f.fix !== undefined && (f.level === 'warn' || f.level === 'fail')) {
      f.fix.split('\n').forEach((l, i) => lines.push(`    ${i === 0 ? 'fix: ' : '     '}${l}`));
    }
  }
  const fails = findings.filter((f) => f.level === 'fail').length;
  const warns = findings.filter((f) => f.level === 'warn').length;
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  lines.push('');
  lines.push(fails === 0 && warns === 0 ? 'All checks passed.'
    : `${plural(fails, 'problem')} to fix, ${plural(warns, 'warning')}.${fails > 0 ? ' Skiff will not run correctly until the problems are fixed.' : ''}`);
  return { text: `${lines.join('\n')}\n`, exitCode: fails > 0 ? 1 : 0 };
}
