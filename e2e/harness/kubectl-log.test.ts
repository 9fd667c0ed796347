import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lastStatus, lastStatusBody, responseBodies, responseStatuses, withoutKlog } from './kubectl-log.ts';

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

// -v=8 body lines captured from kubectl 1.27/1.31 and 1.33.
const BODY_OLD = `I1122 05:16:45.986482   18513 request.go:1188] Response Body: {"kind":"Status","apiVersion":"v1","status":"Failure","message":"ConfigMap \\"Bad_Name!\\" is invalid","reason":"Invalid","code":422}`;
const BODY_NEW = `I1122 05:16:46.392788   18546 create.go:114] "Response Body" body="{\\"kind\\":\\"Status\\",\\"apiVersion\\":\\"v1\\",\\"status\\":\\"Failure\\",\\"message\\":\\"ConfigMap \\\\\\"Bad_Name!\\\\\\" is invalid\\",\\"reason\\":\\"Invalid\\",\\"code\\":422}"`;

describe('kubectl -v=8 bodies', () => {
  for (const [name, text] of [['old format', BODY_OLD], ['structured format', BODY_NEW]] as const) {
    it(`reads a Status from the ${name}`, () => {
      const s = lastStatusBody(text);
      assert.equal(s?.kind, 'Status');
      assert.equal(s?.code, 422);
      assert.equal(s?.reason, 'Invalid');
      assert.equal(s?.message, 'ConfigMap "Bad_Name!" is invalid');
    });
  }
  it('skips truncated and non-Status bodies', () => {
    const text = `I1 x.go:1] Response Body: {"kind":"ConfigMap"}\nI1 x.go:1] Response Body: {"kind":"Sta`;
    assert.equal(responseBodies(text).length, 1);
    assert.equal(lastStatusBody(text), undefined);
  });
});

describe('against the installed kubectl binaries and a stub API', () => {
  it('parses status codes and Status bodies from every installed kubectl 1.27..1.33', async (t) => {
    const { createServer } = await import('node:http');
    const { existsSync } = await import('node:fs');
    const { writeFile, mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { runAllowFail } = await import('../../deploy/images/exec.ts');
    const dir = '/usr/lib/google-cloud-sdk/bin';
    const versions = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33'].filter((v) => existsSync(`${dir}/kubectl.${v}`));
    const levels = ['-v=6', '-v=9'];
    const long = 'x'.repeat(3000); // bodies over 1 KiB are truncated at -v=8 but not at -v=9
    if (versions.length === 0) return t.skip(`no versioned kubectl binaries under ${dir}`);
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('Content-Type', 'application/json');
        res.statusCode = 409;
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `Operation cannot be fulfilled on configmaps "c": the object has been modified ${long}`, reason: 'Conflict', code: 409 }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const tmp = await mkdtemp(join(tmpdir(), 'kubectl-log-'));
    try {
      const file = join(tmp, 'c.json');
      await writeFile(file, '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}');
      for (const v of versions) {
        for (const level of levels) {
          const r = await runAllowFail(`${dir}/kubectl.${v}`, ['-s', `http://127.0.0.1:${port}`, 'create', '--raw', '/api/v1/namespaces/default/configmaps', '-f', file, level], { timeoutMs: 30_000 });
          assert.notEqual(r.code, 0, `kubectl ${v} should fail`);
          assert.equal(lastStatus(r.stderr, '/configmaps', 'POST'), 409, `kubectl ${v} ${level} status line not understood:\n${r.stderr.slice(-2000)}`);
          if (level === '-v=9') {
            const body = lastStatusBody(r.stderr);
            assert.equal(body?.reason, 'Conflict', `kubectl ${v} body not understood:\n${r.stderr.slice(-2000)}`);
            assert.equal(body?.code, 409);
            assert.ok(body?.message?.endsWith(long), `kubectl ${v}: body truncated`);
          }
          assert.equal(withoutKlog(r.stderr), `Error from server (Conflict): Operation cannot be fulfilled on configmaps "c": the object has been modified ${long}`, `kubectl ${v} ${level}`);
        }
      }
    } finally {
      server.close();
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
