import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../api/errors.ts';
import { boolParam, checkDryRun, clampTimerMs, firstValue, intParam, MAX_TIMER_MS, parseBool, parseInt64 } from './query.ts';

const codeOf = (fn: () => unknown): number | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof StatusError ? e.code : -1;
  }
};

test('parseBool reads exactly strconv.ParseBool spellings; anything else is 400', () => {
  for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseBool('watch', t), true, t);
  for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseBool('watch', f), false, f);
  for (const bad of ['', 'maybe', 'yes', 'tRUE', ' true', '2', 'on']) assert.equal(codeOf(() => parseBool('watch', bad)), 400, JSON.stringify(bad));
});

test('boolParam and firstValue: absent is undefined, the first of repeated values wins', () => {
  assert.equal(boolParam({}, 'watch'), undefined);
  assert.equal(boolParam({ watch: ['True', 'maybe'] }, 'watch'), true);
  assert.equal(firstValue({ a: ['x', 'y'] }, 'a'), 'x');
});

test('parseInt64: Go int64 syntax and range; intParam enforces a minimum', () => {
  const cases: Array<[string, number | 'err']> = [
    ['0', 0], ['42', 42], ['-7', -7], ['+3', 3], ['9223372036854775807', 9223372036854775807],
    ['9223372036854775808', 'err'], ['-9223372036854775809', 'err'], ['abc', 'err'], ['1.5', 'err'], ['', 'err'], ['1e3', 'err'], [' 1', 'err'], ['0x10', 'err'],
  ];
  for (const [input, want] of cases) {
    if (want === 'err') assert.equal(codeOf(() => parseInt64('limit', input)), 400, input);
    else assert.equal(parseInt64('limit', input), want, input);
  }
});

test('intParam: below the minimum is 400, absent undefined', () => {
  assert.equal(codeOf(() => intParam({ timeoutSeconds: '-1' }, 'timeoutSeconds', 0)), 400);
  assert.equal(intParam({ timeoutSeconds: '0' }, 'timeoutSeconds', 0), 0);
  assert.equal(intParam({}, 'timeoutSeconds', 0), undefined);
});

test('checkDryRun: only "All" (ValidateDryRun), 422 about the options kind, with Go formatting', () => {
  assert.equal(checkDryRun('CreateOptions', []), false);
  assert.equal(checkDryRun('CreateOptions', ['All']), true);
  assert.equal(checkDryRun('DeleteOptions', ['All', 'All']), true);
  for (const bad of [['Some'], [''], ['All', 'x'], ['all']]) {
    try {
      checkDryRun('PatchOptions', bad);
      assert.fail(`accepted ${JSON.stringify(bad)}`);
    } catch (e) {
      assert.ok(e instanceof StatusError);
      assert.equal(e.code, 422);
      assert.equal(e.status.reason, 'Invalid');
      assert.equal(e.status.details?.group, 'meta.k8s.io');
      assert.equal(e.status.details?.kind, 'PatchOptions');
      assert.equal(e.message, `PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{${bad.map((b) => JSON.stringify(b)).join(', ')}}: supported values: "All"`);
    }
  }
});

test('clampTimerMs keeps every delay within what Node timers honour', () => {
  const cases: Array<[number, number]> = [
    [3000000 * 1000, MAX_TIMER_MS], [MAX_TIMER_MS + 1, MAX_TIMER_MS], [Number.MAX_SAFE_INTEGER, MAX_TIMER_MS], [Infinity, MAX_TIMER_MS], [NaN, MAX_TIMER_MS],
    [1000, 1000], [0, 1], [-5, 1], [1.7, 1],
  ];
  for (const [input, want] of cases) assert.equal(clampTimerMs(input), want, String(input));
});
