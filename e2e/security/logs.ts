/**
 * No private key or token in any component's log (issue 6 acceptance): the
 * server log (every component's output, etcd's and containerd's included)
 * and every *.log under the data dir (pod logs) are searched for the
 * cluster's keys, the test's own keys and every token the steps obtained.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cluster } from '../harness/cluster.ts';
import { findLeaks, keyNeedles, type Needle } from '../harness/leaks.ts';
import type { SecurityRun } from './common.ts';

/** Regular files under `dir` whose name ends in `.log`, recursively; unreadable dirs are skipped. */
async function logFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await logFiles(p)));
    else if (e.isFile() && e.name.endsWith('.log')) out.push(p);
  }
  return out;
}

/** Every private key under tls/ (recursively), as needles. */
async function clusterKeyNeedles(dir: string, label = 'tls'): Promise<Needle[]> {
  const out: Needle[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await clusterKeyNeedles(p, `${label}/${e.name}`)));
    else if (e.isFile() && e.name.endsWith('.key')) out.push(...keyNeedles(`cluster key ${label}/${e.name}`, await readFile(p, 'utf8')));
  }
  return out;
}

/** No private key (cluster or test), no `PRIVATE KEY` text and no token the steps saw appears in the server log or any *.log under the data dir. */
export async function logsHoldNoSecrets(c: Cluster, s: SecurityRun): Promise<void> {
  const clusterKeys = await clusterKeyNeedles(join(c.dataDir, 'tls'));
  assert.ok(clusterKeys.length > 0, 'found no private keys under tls/');
  const needles = [...clusterKeys, ...s.needles];
  const files = [c.serverLog, ...(await logFiles(c.dataDir))];
  const found: string[] = [];
  let bytes = 0;
  for (const f of files) {
    const size = (await stat(f)).size;
    bytes += size;
    const text = await readFile(f, 'utf8');
    for (const leak of findLeaks(text, needles)) found.push(`${f}:${leak.line}: ${leak.label}`);
  }
  assert.deepEqual(found, [], `secrets in logs:\n${found.slice(0, 40).join('\n')}`);
  s.log(`no key or token in ${files.length} log files (${Math.round(bytes / 1024)} KiB), ${needles.length} needles`);
}
