import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../api/errors.ts';
import { decodeContinue, encodeContinue } from './continue.ts';

test('continue tokens round-trip', () => {
  assert.deepEqual(decodeContinue(encodeContinue({ rv: '42', start: '/registry/pods/a\u0000' })), { rv: '42', start: '/registry/pods/a\u0000' });
});

test('regression: malformed continue tokens are 400, never passed to storage', () => {
  const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  const cases: Array<[string, string, RegExp]> = [
    ['empty rv', b64({ rv: '', start: '/registry/pods/' }), /incorrect encoded start resourceVersion/],
    ['zero rv', b64({ rv: '0', start: '/registry/pods/' }), /incorrect encoded start resourceVersion/],
    ['negative rv', b64({ rv: '-1', start: '/registry/pods/' }), /incorrect encoded start resourceVersion/],
    ['rv not a number', b64({ rv: 'abc', start: '/registry/pods/' }), /incorrect encoded start resourceVersion/],
    ['rv a JSON number', b64({ rv: 5, start: '/registry/pods/' }), /incorrect encoded start resourceVersion/],
    ['rv over int64', b64({ rv: '99999999999999999999', start: '/registry/pods/' }), /incorrect encoded start resourceVersion/],
    ['empty start', b64({ rv: '5', start: '' }), /encoded start key empty/],
    ['not JSON', b64('garbage'), /illegal base64 or JSON/],
    ['JSON null', b64('null'), /illegal base64 or JSON/],
    ['JSON array', b64([1]), /illegal base64 or JSON/],
    ['not base64 JSON', '%%%', /illegal base64 or JSON/],
  ];
  for (const [name, token, msg] of cases) {
    assert.throws(() => decodeContinue(token), (e: unknown) => e instanceof StatusError && e.code === 400 && msg.test(e.message), name);
  }
});
