/**
 * `GET /version`: the server's version.Info. kubectl's dispatcher
 * (/usr/bin/kubectl) picks `kubectl.1.<minor>` from it, so minor is "33".
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { refuseOtherMethods } from './routes/router-errors.ts';

/** The version.Info shape Kubernetes serves at /version. */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/** Go's GOARCH name for a Node process.arch value (x64 → amd64). */
export function goArch(arch: string): string {
  const map: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return map[arch] ?? arch;
}

/** The commit of the checkout this file lives in (reads .git/HEAD and the ref), or '' when unknown. */
export function gitCommit(start = dirname(fileURLToPath(import.meta.url))): string {
  try {
    const root = join(start, '..');
    const head = readFileSync(join(root, '.git', 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = head.slice(5);
    try {
      return readFileSync(join(root, '.git', ref), 'utf8').trim();
    } catch {
      const packed = readFileSync(join(root, '.git', 'packed-refs'), 'utf8');
      const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
      return line ? line.split(' ')[0] ?? '' : '';
    }
  } catch {
    return '';
  }
}

/** Builds the version.Info (`startedAt` in ms stands in for the build date). */
export function versionInfo(startedAt: number = Date.now() - process.uptime() * 1000): VersionInfo {
  return {
    major: '1',
    minor: '33',
    gitVersion: 'v1.33.0-skiff',
    gitCommit: gitCommit(),
    gitTreeState: 'clean',
    buildDate: new Date(startedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    goVersion: `node${process.versions.node}`,
    compiler: 'skiff',
    platform: `${process.platform}/${goArch(process.arch)}`,
  };
}

/** Mounts `GET /version`; any other method there is 405 MethodNotAllowed. */
export function registerVersion(app: FastifyInstance): void {
  const info = versionInfo();
  app.get('/version', async (_req, reply) => reply.header('content-type', 'application/json').send(Buffer.from(JSON.stringify(info))));
  refuseOtherMethods(app, '/version');
}
