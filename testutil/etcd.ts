/**
 * Test helper: a real etcd (Debian's /usr/bin/etcd 3.4) on free loopback
 * ports in a fresh temp dir, stopped and removed by `stop()`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running test etcd. */
export interface TestEtcd {
  /** Client URL, e.g. 'http://127.0.0.1:40123'. */
  endpoint: string;
  /** Kills etcd (SIGTERM, then SIGKILL after 3 s) and removes its data dir. Idempotent. */
  stop(): Promise<void>;
}

/** Resolves a TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts etcd and resolves once its /health answers `"health":"true"` (checked
 * every 50 ms, up to `timeoutMs`, default 15 s). Its data dir is made under
 * `tmpRoot` (default os.tmpdir(); e.g. '/dev/shm' to spare fsync-bound tests the disk). Rejects, after cleaning up, if
 * etcd exits or does not become healthy in time.
 */
export async function startEtcd(opts: { timeoutMs?: number; bin?: string; tmpRoot?: string } = {}): Promise<TestEtcd> {
  const dir = await mkdtemp(join(opts.tmpRoot ?? tmpdir(), 'skiff-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(opts.bin ?? '/usr/bin/etcd', [
    '--name', 'test', '--data-dir', join(dir, 'data'),
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `test=${peer}`, '--log-level', 'error', '--logger', 'zap',
    '--experimental-watch-progress-notify-interval', '1s',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  let exited = false;
  const exitP = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exitP;
      clearTimeout(t);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 15000);
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      const res = await fetch(`${client}/health`);
      const body = await res.text();
      if (res.ok && body.includes('"true"')) return { endpoint: client, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`etcd did not become healthy: ${stderr}`);
}
