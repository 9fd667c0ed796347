/**
 * Stand-in for `skiff server` used only by cluster.test.ts to exercise the
 * harness without the real components: it honours the flags the harness
 * passes, writes admin.kubeconfig and run/<name>.pid files, ensures the
 * cluster PKI as the real server does and serves /healthz over HTTPS on the
 * API port, and reports the registry it can reach on GET /probe.
 */
import { createServer } from 'node:https';
import { hostname } from 'node:os';
import { ensurePKI } from '../../deploy/pki/ensure.ts';
import { leafPaths } from '../../deploy/pki/layout.ts';
import { CERT } from '../../deploy/pki/specs.ts';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const argv = process.argv.slice(2);
const flag = (name: string): string => {
  const i = argv.indexOf(name);
  const v = i >= 0 ? argv[i + 1] : undefined;
  if (!v) throw new Error(`fake server: missing ${name}`);
  return v;
};
const dataDir = flag('--data-dir');
const apiPort = Number(flag('--api-port'));
const mirrors = argv.filter((_, i) => argv[i - 1] === '--registry-mirror');
mkdirSync(join(dataDir, 'run'), { recursive: true });
const startsFile = join(dataDir, 'starts');
const starts = (existsSync(startsFile) ? Number(readFileSync(startsFile, 'utf8')) : 0) + 1;
writeFileSync(startsFile, String(starts));
writeFileSync(join(dataDir, 'run', 'fake-component.pid'), `${process.pid}\n`);

await ensurePKI({
  dataDir, crypto: globalThis.crypto, now: new Date(),
  cluster: { hostname: hostname(), serverIPs: [], nodes: [{ name: flag('--node-name'), ips: [] }], serviceCIDR: '10.96.0.0/12' },
});
const serving = leafPaths(dataDir, CERT.apiserverServing);
const server = createServer({ cert: readFileSync(serving.cert), key: readFileSync(serving.key) }, (req, res) => {
  if (req.url === '/healthz') {
    res.end('ok');
    return;
  }
  if (req.url === '/probe') {
    fetch('http://127.0.0.1:5000/v2/library/nginx/tags/list')
      .then((r) => r.text())
      .then((tags) => res.end(JSON.stringify({ starts, mirrors, node: flag('--node-name'), nodeIP: flag('--node-ip'), tags })))
      .catch((e: unknown) => {
        res.statusCode = 500;
        res.end(String(e));
      });
    return;
  }
  res.statusCode = 404;
  res.end();
});
server.listen(apiPort, '127.0.0.1', () => {
  writeFileSync(join(dataDir, 'admin.kubeconfig'), `apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: https://127.0.0.1:${apiPort}\n`);
  process.stdout.write(`fake skiff server ready on ${apiPort}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
