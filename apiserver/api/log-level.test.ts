import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideLogFormat, decideLogLevel, verbosityLevel, type LogLevelInputs, type LogLevel } from './log-level.ts';

test('verbosityLevel: klog -v to a level', () => {
  const table: Array<[number, LogLevel]> = [[0, 'info'], [1, 'info'], [2, 'debug'], [3, 'debug'], [4, 'trace'], [9, 'trace']];
  for (const [v, want] of table) assert.equal(verbosityLevel(v), want, `-v ${v}`);
});

test('decideLogLevel: flag, then -v, then SKIFF_LOG_LEVEL, then SKIFF_DEBUG, then info', () => {
  const table: Array<[LogLevelInputs, LogLevel]> = [
    [{}, 'info'],
    [{ env: { SKIFF_DEBUG: '1' } }, 'debug'],
    [{ env: { SKIFF_LOG_LEVEL: 'warn', SKIFF_DEBUG: '1' } }, 'warn'],
    [{ env: { SKIFF_LOG_LEVEL: 'loud' } }, 'info'],
    [{ verbosity: 4, env: { SKIFF_LOG_LEVEL: 'error' } }, 'trace'],
    [{ verbosity: 0, env: { SKIFF_DEBUG: '1' } }, 'info'],
    [{ flag: 'error', verbosity: 4 }, 'error'],
    [{ flag: 'bogus', verbosity: 2 }, 'debug'],
  ];
  for (const [i, want] of table) assert.equal(decideLogLevel(i), want, JSON.stringify(i));
});

test('decideLogFormat: SKIFF_LOG_FORMAT wins, else pretty on a TTY', () => {
  assert.equal(decideLogFormat({}, true), 'pretty');
  assert.equal(decideLogFormat({}, false), 'json');
  assert.equal(decideLogFormat({ SKIFF_LOG_FORMAT: 'json' }, true), 'json');
  assert.equal(decideLogFormat({ SKIFF_LOG_FORMAT: 'pretty' }, false), 'pretty');
  assert.equal(decideLogFormat({ SKIFF_LOG_FORMAT: 'xml' }, false), 'json');
});
