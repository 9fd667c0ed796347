import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLogger } from '../../apiserver/api/log.ts';
import { freePort } from '../../testutil/etcd.ts';
import { runServer } from './server.ts';
import { parseJoinToken } from '../join/token.ts';
import { httpReady, pollUntil } from './wait.ts';

const run = promisify(execFile);

/** GET `url` over https trusting `ca`, without credentials; the status and the parsed JSON body. */
function fetchStatus(url: string, ca: string): Promise<{ status: number; body: { kind?: string; reason?: string } }> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { kind?: string; reason?: string } }));
    }).on('error', reject);
  });
}
const apiserverMain = fileURLToPath(new URL('../../apiserver/main.ts', import.meta.url));

/** Why the real apiserver test cannot run here, or undefined when it can. */
function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  if (!existsSync('/usr/bin/etcd')) return '/usr/bin/etcd missing';
  if (!existsSync(apiserverMain)) return 'apiserver/main.ts not written yet';
  if (!existsSync('/usr/bin/kubectl')) return '/usr/bin/kubectl missing';
  return undefined;
}

/** Runs `skiff server` (etcd + apiserver only) on `dataDir` until `check` is done, then stops it. */
async function withServer(dataDir: string, check: (kubeconfig: string, apiPort: number) => Promise<void>): Promise<void> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => { text += c.toString(); });
  const apiPort = await freePort();
  const cfg = {
    dataDir, clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', apiPort, nodeName: 'n1',
    containerdSocket: join(dataDir, 'unused.sock'), registryMirrors: [],
    etcdClientPort: await freePort(), etcdPeerPort: await freePort(),
  };
  const ac = new AbortController();
  const running = runServer(cfg, ac.signal, {
    out, log: createLogger('test', new PassThrough()), components: ['apiserver'], timeouts: { apiserverMs: 30_000 },
  });
  running.catch(() => {}); // awaited below; avoid an unhandled rejection while polling
  try {
    const up = await pollUntil(async () => text.includes('Skiff is running.') || text.includes('✗ apiserver'), { timeoutMs: 45_000 });
    assert.ok(!text.includes('✗ apiserver'), `apiserver never got healthy; output:\n${text}`);
    assert.ok(up, `server started; output:\n${text}`);
    await check(join(dataDir, 'admin.kubeconfig'), apiPort);
  } finally {
    ac.abort();
    await running;
  }
  assert.equal(await httpReady(`https://127.0.0.1:${apiPort}/healthz`, undefined, { tls: { ca: readFileSync(join(dataDir, 'tls', 'server-ca.crt'), 'utf8') } }), false, 'apiserver stopped');
}

test('skiff server startup with the real apiserver: /healthz ok and kubectl get ns works with admin.kubeconfig', async (t) => {
  const why = skipReason();
  if (why) { t.skip(why); return; }
  const dir = mkdtempSync(join(tmpdir(), 'skiff-api-'));
  try {
    await withServer(join(dir, 'data'), async (kubeconfig, apiPort) => {
      const ca = readFileSync(join(dir, 'data', 'tls', 'server-ca.crt'), 'utf8');
      assert.equal(await httpReady(`https://127.0.0.1:${apiPort}/healthz`, /^ok$/, { tls: { ca } }), true, 'anonymous /healthz over https');
      assert.equal(await httpReady(`http://127.0.0.1:${apiPort}/healthz`), false, 'plain HTTP to the API port is refused');
      const anon = await fetchStatus(`https://127.0.0.1:${apiPort}/api/v1/namespaces`, ca);
      assert.deepEqual([anon.status, anon.body.kind, anon.body.reason], [401, 'Status', 'Unauthorized'], 'no credentials: 401 Status');
      // The join token: K10<sha256 of the served CA>::<id>.<secret>, its Secret in kube-system, /cacerts open to anyone.
      const tokenFile = join(dir, 'data', 'token');
      assert.ok(await pollUntil(async () => existsSync(tokenFile), { timeoutMs: 30_000 }), 'token written');
      const token = parseJoinToken(readFileSync(tokenFile, 'utf8'));
      assert.ok(!('error' in token), JSON.stringify(token));
      assert.equal(token.caHash, createHash('sha256').update(readFileSync(join(dir, 'data', 'tls', 'server-ca.crt'))).digest('hex'));
      assert.ok(await httpReady(`https://127.0.0.1:${apiPort}/cacerts`, new RegExp((ca.split('\n')[1] ?? 'x').replace(/[+/]/g, (c) => `\\${c}`)), { tls: { ca } }), 'anonymous /cacerts serves the CA');
      const secret = await run('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, '-n', 'kube-system', 'get', 'secret', `bootstrap-token-${token.id}`, '-o', 'jsonpath={.type}'], { timeout: 30_000 });
      assert.equal(secret.stdout, 'bootstrap.kubernetes.io/token');
      const { stdout } = await run('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, 'get', 'ns'], { timeout: 30_000 });
      assert.match(stdout, /^NAME\s+STATUS\s+AGE/m);
      assert.match(stdout, /^default\s+Active/m);
      for (const v of ['1.28', '1.33']) {
        const who = await run(`/usr/lib/google-cloud-sdk/bin/kubectl.${v}`, ['--kubeconfig', kubeconfig, 'auth', 'whoami', '-o', 'json'], { timeout: 30_000 });
        const st = JSON.parse(who.stdout) as { status: { userInfo: { username: string; groups: string[] } } };
        assert.equal(st.status.userInfo.username, 'system:admin', v);
        assert.ok(st.status.userInfo.groups.includes('system:masters'), v);
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('skiff server resumes the same cluster state on the same data dir', async (t) => {
  const why = skipReason();
  if (why) { t.skip(why); return; }
  const dir = mkdtempSync(join(tmpdir(), 'skiff-resume-'));
  const dataDir = join(dir, 'data');
  const kubectl = (kubeconfig: string, ...args: string[]) => run('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 });
  try {
    const tokenFile = join(dataDir, 'token');
    await withServer(dataDir, async (kubeconfig) => {
      await kubectl(kubeconfig, 'create', 'namespace', 'survivor');
      assert.ok(await pollUntil(async () => existsSync(tokenFile), { timeoutMs: 30_000 }), 'token written');
    });
    const token = readFileSync(tokenFile, 'utf8');
    await withServer(dataDir, async (kubeconfig) => {
      const { stdout } = await kubectl(kubeconfig, 'get', 'ns', 'survivor', '-o', 'name');
      assert.equal(stdout.trim(), 'namespace/survivor');
    });
    assert.equal(readFileSync(tokenFile, 'utf8'), token, 'the join token survives a restart');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
