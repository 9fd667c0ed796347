import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderFindings } from './render.ts';

test('renderFindings: a mark per level, multi-line fixes indented, a summary, exit 1 only with a failure', () => {
  const r = renderFindings([
    { id: 'os', title: 'operating system', level: 'ok', message: 'Debian 12, x64' },
    { id: 'modules', title: 'kernel modules', level: 'fail', message: 'not loaded: overlay', fix: 'modprobe overlay\nor boot another kernel' },
    { id: 'swap', title: 'swap', level: 'warn', message: 'on', fix: 'swapoff -a' },
    { id: 'clock', title: 'clock', level: 'skip', message: 'not compared' },
  ]);
  assert.equal(r.text, [
    '✓ operating system: Debian 12, x64',
    '✗ kernel modules: not loaded: overlay',
    '    fix: modprobe overlay',
    '         or boot another kernel',
    '! swap: on',
    '    fix: swapoff -a',
    '- clock: not compared',
    '',
    '1 problem to fix, 1 warning. Skiff will not run correctly until the problems are fixed.',
    '',
  ].join('\n'));
  assert.equal(r.exitCode, 1);
  const w = renderFindings([{ id: 'swap', title: 'swap', level: 'warn', message: 'on', fix: 'swapoff -a' }]);
  assert.equal(w.exitCode, 0);
  assert.match(w.text, /\n0 problems to fix, 1 warning\.\n$/);
});
