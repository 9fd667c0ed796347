/**
 * Stand-in for `skiff server` and `skiff agent`, used only by
 * multi-cluster.test.ts to exercise the multi-node harness without the real
 * components. `server`: ensures the PKI, writes admin.kubeconfig and a
 * `token`, serves /healthz over HTTPS on 0.0.0.0:<api-port>. `agent`: reads
 * the server's /healthz over the bridge (certificate not checked: this is a
 * stand-in, not the join protocol) and the nginx tags from its docker.io
 * mirror, writes both with its flags to <data-dir>/probe.json, then idles
 * until SIGTERM. `agent --help` prints a usage line listing its flags.
 */
import { createServer } from 'node:https';
import { request } from 'node:https';
import { hostname } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePKI } from '../../deploy/pki/ensure.ts';
import { leafPaths } from '../../deploy/pki/layout.ts';
import { CERT } from '../../deploy/pki/specs.ts';

const [sub, ...argv] = process.argv.slice(2);
const flag = (name: string): string => {
  const i = argv.indexOf(name);
  const v = i >= 0 ? argv[i + 1] : undefined;
  if (!v) throw new Error(`fake node: missing ${name}`);
  return v;
};
const mirrors = argv.filter((_, i) => argv[i - 1] === '--registry-mirror');

function insecureGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

if (sub === 'agent' && argv.includes('--help')) {
  process.stdout.write('Usage: skiff agent [options]\n  --server <url>\n  --token <token>\n  --data-dir <dir>\n  --node-name <name>\n  --node-ip <ip>\n  --registry-mirror <host=url>\n');
} else if (sub === 'server') {
  const dataDir = flag('--data-dir');
  const apiPort = Number(flag('--api-port'));
  mkdirSync(dataDir, { recursive: true });
  await ensurePKI({
    dataDir, crypto: globalThis.crypto, now: new Date(),
    cluster: { hostname: hostname(), serverIPs: [flag('--node-ip')], nodes: [{ name: flag('--node-name'), ips: [] }], serviceCIDR: '10.96.0.0/12' },
  });
  const serving = leafPaths(dataDir, CERT.apiserverServing);
  const server = createServer({ cert: readFileSync(serving.cert), key: readFileSync(serving.key) }, (req, res) => {
    res.statusCode = req.url === '/healthz' ? 200 : 404;
    res.end(req.url === '/healthz' ? 'ok' : '');
  });
  server.listen(apiPort, '0.0.0.0', () => {
    writeFileSync(join(dataDir, 'admin.kubeconfig'), `apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: https://127.0.0.1:${apiPort}\n`);
    writeFileSync(join(dataDir, 'token'), 'K10fake::abcdef.0123456789abcdef\n');
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else if (sub === 'agent') {
  const dataDir = flag('--data-dir');
  mkdirSync(dataDir, { recursive: true });
  const dockerMirror = mirrors.find((m) => m.startsWith('docker.io='))?.slice('docker.io='.length) ?? '';
  const healthz = await insecureGet(`${flag('--server')}/healthz`).catch((e: unknown) => `error: ${String(e)}`);
  const tags = await fetch(`${dockerMirror}/v2/library/nginx/tags/list`).then((r) => r.text()).catch((e: unknown) => `error: ${String(e)}`);
  writeFileSync(join(dataDir, 'probe.json'), JSON.stringify({ healthz, tags, token: flag('--token'), node: flag('--node-name'), nodeIP: flag('--node-ip'), mirrors }));
  const idle = setInterval(() => undefined, 60_000);
  process.on('SIGTERM', () => { clearInterval(idle); process.exit(0); });
} else {
  process.stderr.write(`fake node: unknown command ${sub ?? ''}\n`);
  process.exit(2);
}
