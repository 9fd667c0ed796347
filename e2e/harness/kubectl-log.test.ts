import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lastStatus, responseStatuses, withoutKlog } from './kubectl-log.ts';

// Shapes captured from kubectl 1.27 and 1.33 at -v=6 against a stub server.
const OLD = `I1122 05:02:45.689811   17886 loader.go:395] Config loaded from file:  /x
I1122 05:02:45.689811   17886 round_trippers.go:553] POST http://127.0.0.1:6443/api/v1/namespaces/default/configmaps 422 Unprocessable Entity in 14 milliseconds
The request is invalid: ConfigMap "Bad_Name!" is invalid: metadata.name: Invalid value`;
const NEW = `I1122 05:02:46.178517   17891 envvar.go:172] "Feature gate default state" feature="InOrderInformers" enabled=true
I1122 05:02:46.180000   17891 round_trippers.go:632] "Response" verb="GET" url="http://127.0.0.1:6443/api/v1/namespaces/default/configmaps/c" status="200 OK" milliseconds=1
I1122 05:02:46.180152   17891 round_trippers.go:632] "Response" verb="PUT" url="http://127.0.0.1:6443/api/v1/namespaces/default/configmaps/c" status="409 Conflict" milliseconds=1
Error from server (Conflict): the object has been modified`;

describe('kubectl -v=6 parsing', () => {
  it('reads the old format', () => {
    assert.deepEqual(responseStatuses(OLD), [{ verb: 'POST', url: 'http://127.0.0.1:6443/api/v1/namespaces/default/configmaps', status: 422 }]);
    assert.equal(lastStatus(OLD, '/configmaps', 'POST'), 422);
  });
  it('reads the structured format and picks the last matching request', () => {
    assert.equal(responseStatuses(NEW).length, 2);
    assert.equal(lastStatus(NEW, '/configmaps/c'), 409);
    assert.equal(lastStatus(NEW, '/configmaps/c', 'GET'), 200);
    assert.equal(lastStatus(NEW, '/pods'), undefined);
  });
  it('withoutKlog keeps only the user-facing text', () => {
    assert.equal(withoutKlog(NEW), 'Error from server (Conflict): the object has been modified');
    assert.equal(withoutKlog(OLD), 'The request is invalid: ConfigMap "Bad_Name!" is invalid: metadata.name: Invalid value');
  });
});
