import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inPodRequestsScript, parseCurlOutput, parseInPodRequests, statusOf } from './https-client.ts';

test('parseCurlOutput: body and status, and no answer at all', () => {
  assert.deepEqual(parseCurlOutput('{"kind":"Status"}\n@@e2e-http-status@@403', ''), { status: 403, body: '{"kind":"Status"}', error: '' });
  assert.deepEqual(parseCurlOutput('\n@@e2e-http-status@@000', 'curl: (52) Empty reply from server\n'), { status: 0, body: '', error: 'curl: (52) Empty reply from server' });
  assert.equal(parseCurlOutput('garbage', '').status, 0);
});

test('statusOf: only metav1.Status bodies', () => {
  assert.equal(statusOf('{"kind":"Status","code":401,"reason":"Unauthorized"}')?.code, 401);
  assert.equal(statusOf('{"kind":"Pod"}'), undefined);
  assert.equal(statusOf('Unauthorized'), undefined);
});

test('parseInPodRequests reads the blocks the script prints, ignoring log noise around them', () => {
  const log = [
    'e2e-curl started',
    '@@retry 0: 000',
    '@@req get-pod',
    '{"kind":"Pod","metadata":{"name":"p"}}',
    '@@e2e-http-status@@200',
    '@@end get-pod',
    '@@req list-secrets',
    '{"kind":"Status","code":403}',
    '@@e2e-http-status@@403',
    '@@end list-secrets',
    '@@done',
  ].join('\n');
  const got = parseInPodRequests(log);
  assert.deepEqual([...got.keys()], ['get-pod', 'list-secrets']);
  assert.equal(got.get('get-pod')?.status, 200);
  assert.match(got.get('get-pod')?.body ?? '', /"name":"p"/);
  assert.equal(got.get('list-secrets')?.status, 403);
});

test('inPodRequestsScript: one block per request, the token only inside $(cat), unsafe input refused', () => {
  const script = inPodRequestsScript([['get-pod', '/api/v1/namespaces/a/pods/b'], ['list-secrets', '/api/v1/namespaces/a/secrets']], 30);
  assert.match(script, /echo "@@req get-pod"/);
  assert.match(script, /echo "@@end list-secrets"/);
  assert.match(script, /\$\(cat "\$D\/token"\)/);
  assert.doesNotMatch(script, /echo[^\n]*token/);
  assert.throws(() => inPodRequestsScript([['x', '/a;rm -rf /']], 1));
  assert.throws(() => inPodRequestsScript([['X Y', '/a']], 1));
});
