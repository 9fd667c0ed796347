import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CriLogParser, formatEntries, parseCriLog, parseCriLogLine, tail } from './cri-log.ts';

test('parseCriLogLine table', () => {
  const cases: [string, ReturnType<typeof parseCriLogLine>][] = [
    ['2024-01-02T03:04:05.123456789Z stdout F hello world', { time: '2024-01-02T03:04:05.123456789Z', stream: 'stdout', partial: false, text: 'hello world' }],
    ['2024-01-02T03:04:05.1Z stderr P part', { time: '2024-01-02T03:04:05.1Z', stream: 'stderr', partial: true, text: 'part' }],
    ['2024-01-02T03:04:05.1Z stdout F', { time: '2024-01-02T03:04:05.1Z', stream: 'stdout', partial: false, text: '' }],
    ['2024-01-02T03:04:05.1Z stdout F  two  spaces ', { time: '2024-01-02T03:04:05.1Z', stream: 'stdout', partial: false, text: ' two  spaces ' }],
    ['garbage', undefined],
    ['2024-01-02T03:04:05Z stdin F x', undefined],
    ['2024-01-02T03:04:05Z stdout X x', undefined],
  ];
  for (const [line, want] of cases) assert.deepEqual(parseCriLogLine(line), want, line);
});

test('partial records are joined per stream; chunks may split lines', () => {
  const text = [
    't1 stdout P hel',
    't2 stderr F err1',
    't3 stdout P lo ',
    't4 stdout F world',
    't5 stdout F second',
  ].join('\n') + '\n';
  const all = parseCriLog(text);
  assert.deepEqual(all, [
    { time: 't2', stream: 'stderr', text: 'err1' },
    { time: 't4', stream: 'stdout', text: 'hello world' },
    { time: 't5', stream: 'stdout', text: 'second' },
  ]);
  const p = new CriLogParser();
  const got = [];
  for (let i = 0; i < text.length; i += 7) got.push(...p.push(text.slice(i, i + 7)));
  assert.deepEqual(got, all);
});

test('tail and format', () => {
  const e = parseCriLog('t1 stdout F a\nt2 stdout F b\nt3 stderr F c\n');
  assert.equal(formatEntries(tail(e, 2), false), 'b\nc\n');
  assert.equal(formatEntries(tail(e, undefined), true), 't1 a\nt2 b\nt3 c\n');
  assert.equal(formatEntries(tail(e, 0), false), '');
  assert.equal(formatEntries(tail(e, 10), false), 'a\nb\nc\n');
});
