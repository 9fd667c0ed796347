import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../api/errors.ts';
import { clientErrorResponse, routeErrorStatus } from './router-errors.ts';

test('clientErrorResponse: parser errors become a Status response with the right code', () => {
  const cases: Array<[string | undefined, number]> = [['HPE_HEADER_OVERFLOW', 431], ['ERR_HTTP_REQUEST_TIMEOUT', 408], ['HPE_INVALID_METHOD', 400], [undefined, 400]];
  for (const [code, want] of cases) {
    const res = clientErrorResponse(code);
    assert.match(res, new RegExp(`^HTTP/1.1 ${want} `), String(code));
    const [head, body] = res.split('\r\n\r\n');
    const status = JSON.parse(body) as { kind: string; code: number };
    assert.equal(status.kind, 'Status');
    assert.equal(status.code, want);
    assert.match(head, new RegExp(`Content-Length: ${Buffer.byteLength(body)}`));
  }
  assert.equal(clientErrorResponse('ECONNRESET'), '', 'nothing to write to a reset connection');
});

test('routeErrorStatus: body too large is Kubernetes 413, stack overflow 400, StatusError unchanged', () => {
  const tooLarge = Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
  const se = routeErrorStatus(tooLarge, 3145728);
  assert.equal(se.code, 413);
  assert.equal(se.status.reason, 'RequestEntityTooLarge');
  assert.equal(se.message, 'Request entity too large: limit is 3145728');
  assert.equal(routeErrorStatus(new RangeError('Maximum call stack size exceeded'), 1).code, 400);
  const own = new StatusError({ kind: 'Status', code: 409, status: 'Failure' });
  assert.equal(routeErrorStatus(own, 1), own);
});
