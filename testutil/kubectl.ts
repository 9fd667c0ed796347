/**
 * Test helper: the real, unmodified kubectl binaries
 * (/usr/lib/google-cloud-sdk/bin/kubectl.1.<minor>) against a real API
 * server on real etcd started in this process, with a kubeconfig (no
 * credentials, plain HTTP) and a private HOME/cache dir. `useKubectl`
 * registers the node:test before/after hooks of the file that calls it.
 */
import { after, before } from 'node:test';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startApiServer, type TestApiServer } from './apiserver.ts';

const exec = promisify(execFile);

/** The path of kubectl 1.<minor>. */
export const kubectlBin = (minor: number): string => `/usr/lib/google-cloud-sdk/bin/kubectl.1.${minor}`;

/** What `kubectl` printed (stdout + stderr) and its exit code. */
export interface KubectlResult {
  out: string;
  code: number;
}

/** A per-file kubectl fixture. */
export interface KubectlHarness {
  /** A node:test skip reason when a binary or etcd is missing, else false. */
  skip: string | false;
  /** The running API server (throws before `before` ran or when skipped). */
  server(): TestApiServer;
  /** The private directory (HOME, caches, manifests). */
  dir(): string;
  /** The kubeconfig path. */
  kubeconfig(): string;
  /** Runs kubectl 1.<minor> with `args` (60 s timeout); `env` adds variables. Never throws on a non-zero exit. */
  run(minor: number, args: string[], env?: Record<string, string>): Promise<KubectlResult>;
}

/** The skip reason for tests needing kubectl 1.<minors> and etcd, or false. */
export function kubectlSkip(minors: readonly number[]): string | false {
  const missing = minors.map(kubectlBin).filter((b) => !existsSync(b));
  if (missing.length > 0) return `kubectl binaries missing: ${missing.join(', ')}`;
  return ['/usr/bin/etcd', '/usr/local/bin/etcd'].some((p) => existsSync(p)) ? false : 'etcd binary not installed';
}

/**
 * Registers before/after hooks that start a real API server and write a
 * kubeconfig for it in a temp dir named after `name`, and returns the
 * harness. Call once at a test file's top level.
 */
export function useKubectl(minors: readonly number[], name: string): KubectlHarness {
  const skip = kubectlSkip(minors);
  let server: TestApiServer | undefined;
  let dir = '';
  let kubeconfig = '';
  before(async () => {
    if (skip) return;
    server = await startApiServer();
    dir = mkdtempSync(join(tmpdir(), `skiff-${name}-`));
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config',
      'clusters:', '- name: c', '  cluster:', `    server: ${server.url}`,
      'contexts:', '- name: c', '  context:', '    cluster: c', '    user: u',
      'current-context: c', 'users:', '- name: u', '  user: {}', '',
    ].join('\n'));
  });
  after(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    skip,
    server: () => {
      if (!server) throw new Error('the kubectl test server is not running');
      return server;
    },
    dir: () => dir,
    kubeconfig: () => kubeconfig,
    run: async (minor, args, env = {}) => {
      try {
        const r = await exec(kubectlBin(minor), ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, HOME: dir, KUBECACHEDIR: join(dir, `cache-${minor}`), ...env }, timeout: 60000 });
        return { out: r.stdout + r.stderr, code: 0 };
      } catch (e) {
        const x = e as { stdout?: string; stderr?: string; code?: number };
        return { out: (x.stdout ?? '') + (x.stderr ?? ''), code: typeof x.code === 'number' ? x.code : 1 };
      }
    },
  };
}
