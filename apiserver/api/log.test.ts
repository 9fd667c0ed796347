import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from './log.ts';
import { prettyLine } from './log-pretty.ts';

function capture(): { out: { write(s: string): boolean }; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  return {
    out: { write: (s) => { chunks.push(s); return true; } },
    lines: () => chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

test('JSON lines carry level, time, component, msg and the fields; Errors as their message', () => {
  const c = capture();
  createLogger('kubelet', { out: c.out }).warn('sync failed', { pod: 'default/web', err: new Error('boom'), msg: 'inner' });
  const [l] = c.lines();
  assert.equal(l?.level, 'warn');
  assert.equal(l?.component, 'kubelet');
  assert.equal(l?.msg, 'sync failed');
  assert.equal(l?.pod, 'default/web');
  assert.equal(l?.err, 'boom');
  assert.equal(l?.['field.msg'], 'inner');
  assert.match(String(l?.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('child names compose as parent/name', () => {
  const c = capture();
  createLogger('proxy', { out: c.out }).child('dns').child('forward').info('up');
  assert.equal(c.lines()[0]?.component, 'proxy/dns/forward');
});

test('the level filters: debug only at debug or trace', () => {
  const info = capture();
  const li = createLogger('x', { out: info.out, level: 'info' });
  li.debug('hidden');
  li.info('shown');
  assert.deepEqual(info.lines().map((l) => l.msg), ['shown']);
  const dbg = capture();
  createLogger('x', { out: dbg.out, level: 'debug' }).debug('shown');
  assert.deepEqual(dbg.lines().map((l) => l.level), ['debug']);
});

test('a bare stream is shorthand for { out }', () => {
  const c = capture();
  createLogger('t', c.out as unknown as NodeJS.WritableStream).error('bad');
  assert.equal(c.lines()[0]?.level, 'error');
});

test('pretty format: <time> <component> <LEVEL> <msg> <extra json>', () => {
  const chunks: string[] = [];
  createLogger('sched', { out: { write: (s: string) => chunks.push(s) }, format: 'pretty' }).child('bind').info('bound', { pod: 'p' });
  assert.match(chunks.join(''), /^\d{4}-\S+Z sched\/bind INFO bound \{"pod":"p"\}\n$/);
});

test('prettyLine: no fields, and lines that are not JSON pass through', () => {
  assert.equal(prettyLine('{"level":"error","time":"T","component":"c","msg":"m"}\n'), 'T c ERROR m\n');
  assert.equal(prettyLine('plain text\n'), 'plain text\n');
});
