/**
 * Build-time reading of what the bundle embeds (see rewrites.ts): the CRI
 * proto and etcd3's proto as protobufjs JSON (what @grpc/proto-loader's
 * `fromJSON` takes), the schema definitions' text and the commit built.
 * Reads the source tree; only the build runs this.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';
import type { EmbeddedAssets } from './rewrites.ts';

/**
 * Parses `file` and its imports with protobufjs (field names kept as written,
 * as proto-loader's keepCase) and returns the root's JSON. Throws when a file
 * is missing or does not parse.
 */
export function protoJSON(file: string): unknown {
  const root = new protobuf.Root();
  root.loadSync(file, { keepCase: true });
  root.resolveAll();
  return root.toJSON();
}

/** The commit HEAD of the checkout at `root` (git rev-parse), or '' when it is not one. */
export function headCommit(root: string): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** Reads every embedded asset from the repository at `root`. Throws when one is missing. */
export function readAssets(root: string): EmbeddedAssets {
  const require = createRequire(join(root, 'package.json'));
  const etcd3Dir = dirname(dirname(require.resolve('etcd3')));
  return {
    criProto: protoJSON(join(root, 'proto', 'api.proto')),
    etcdProto: protoJSON(join(etcd3Dir, 'proto', 'rpc.proto')),
    schemaDefinitions: readFileSync(join(root, 'apiserver', 'api', 'schema', 'definitions.json'), 'utf8'),
    gitCommit: headCommit(root),
  };
}
