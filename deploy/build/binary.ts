/**
 * `npm run build:binary`: the single self-contained binaries
 * `<out>/skiff-linux-amd64` and `<out>/skiff-linux-arm64`, Node 20
 * single-executable applications. Steps (Node's documented ones):
 * 1. esbuild bundles deploy/build/binary-entry.ts into ONE CommonJS file
 *    (Node 20's SEA runs a single CommonJS script whose `require` loads only
 *    Node's built-ins), with the assets embedded (rewrites.ts
 *    `binaryRewrites`: components are spawned as `process.execPath <component>`);
 * 2. `node --experimental-sea-config sea-config.json` turns it into a blob;
 * 3. for each architecture, a copy of that architecture's Node binary
 *    (node-binary.ts) gets the blob injected by postject with the sentinel fuse.
 *
 * CLI: `node --import tsx deploy/build/binary.ts [--out DIR] [--arch amd64,arm64]
 * [--node-amd64 PATH] [--node-arm64 PATH] [--cache DIR]`; exits 1 on an error.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { readAssets } from './assets.ts';
import { repoRoot, rewritePlugin } from './build.ts';
import { binaryRewrites } from './rewrites.ts';
import { defaultNodeCache, obtainNode } from './node-binary.ts';
import { binaryName, GO_ARCHES, nodeSource, parseBinaryArgs, postjectArgs, seaConfig, type GoArch } from './sea.ts';

/** Options of `buildBinary`. */
export interface BinaryOptions {
  /** Output directory (created if missing). */
  outDir: string;
  /** Architectures to build (default: amd64 and arm64). */
  arches?: GoArch[];
  /** Node binaries to inject instead of the default ones. */
  nodes?: Partial<Record<GoArch, string>>;
  /** Cache of fetched Node packages (default: node-binary.ts `defaultNodeCache`). */
  cacheDir?: string;
  /** Repository root to bundle (default: this checkout). */
  root?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** What `buildBinary` wrote. */
export interface BinaryResult {
  /** One binary per architecture: its absolute path and size in bytes. */
  binaries: Array<{ arch: GoArch; path: string; bytes: number }>;
  /** Size of the CommonJS bundle injected, in bytes. */
  scriptBytes: number;
  /** Wall time in ms. */
  ms: number;
}

/**
 * Bundles the `skiff` command into the single CommonJS file `outFile` (node20,
 * whitespace and syntax minified, no source map); returns its size in bytes.
 * Throws esbuild's error, or an error when a module still reads
 * `import.meta` (empty in CommonJS: it would break at run time).
 */
export async function bundleCommonJS(root: string, outFile: string): Promise<number> {
  const res = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [join(root, 'deploy', 'build', 'binary-entry.ts')],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // One file is parsed whole by every process: whitespace and syntax
    // minifying takes it from 5.9 to 4.1 MiB and about 8 MiB of RSS off each
    // process; identifiers keep their names (readable stack traces, `.name`).
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    logLevel: 'silent',
    plugins: [rewritePlugin(binaryRewrites(readAssets(root)))],
  });
  const empty = res.warnings.filter((w) => w.id === 'empty-import-meta');
  if (empty.length > 0) {
    const where = empty.map((w) => (w.location === null ? w.text : `${w.location.file}:${w.location.line}`));
    throw new Error(`import.meta is empty in the CommonJS bundle; add a rule to binaryRewrites (deploy/build/rewrites.ts) for: ${where.join(', ')}`);
  }
  return Object.values(res.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
}

/** Runs `cmd args`; throws with its output when it fails. */
function run(cmd: string, args: string[], cwd: string): void {
  try {
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${`${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || (err instanceof Error ? err.message : String(err))}`);
  }
}

/**
 * Builds `<outDir>/skiff-linux-<arch>` for every arch of `opts.arches`. The
 * blob is made by this Node, so the Node binaries default to this Node's
 * version (node-binary.ts fetches the other architectures' at it). Throws on
 * the first failing step (bundle, blob, Node binary, postject).
 */
export async function buildBinary(opts: BinaryOptions): Promise<BinaryResult> {
  const started = Date.now();
  const root = opts.root ?? repoRoot;
  const outDir = resolve(opts.outDir);
  const log = opts.log ?? ((): void => {});
  const host = { platform: process.platform, arch: process.arch, execPath: process.execPath, version: process.versions.node };
  const cacheDir = opts.cacheDir ?? defaultNodeCache();
  mkdirSync(outDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'skiff-sea-'));
  try {
    const script = join(work, 'skiff.cjs');
    const scriptBytes = await bundleCommonJS(root, script);
    log(`bundled ${(scriptBytes / 1024 / 1024).toFixed(1)} MiB of CommonJS`);
    const blob = join(work, 'sea-prep.blob');
    writeFileSync(join(work, 'sea-config.json'), JSON.stringify(seaConfig(script, blob), null, 2));
    run(process.execPath, ['--experimental-sea-config', 'sea-config.json'], work);
    const postject = createRequire(join(root, 'package.json')).resolve('postject/dist/cli.js');
    const binaries: BinaryResult['binaries'] = [];
    for (const arch of opts.arches ?? GO_ARCHES) {
      const node = obtainNode(nodeSource(arch, host, process.versions.node, cacheDir, opts.nodes?.[arch]));
      const out = join(outDir, binaryName(arch));
      const tmp = `${out}.tmp`;
      copyFileSync(node, tmp);
      chmodSync(tmp, 0o755);
      run(process.execPath, [postject, ...postjectArgs(tmp, blob)], work);
      renameSync(tmp, out);
      binaries.push({ arch, path: out, bytes: statSync(out).size });
      log(`${out}: Node ${process.version} for ${arch} from ${node}`);
    }
    return { binaries, scriptBytes, ms: Date.now() - started };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = parseBinaryArgs(process.argv.slice(2));
  if ('error' in args) {
    process.stderr.write(`build:binary: ${args.error}\n`);
    process.exit(2);
  }
  try {
    const r = await buildBinary({ outDir: args.outDir ?? join(repoRoot, 'dist'), arches: args.arches, nodes: args.nodes, cacheDir: args.cacheDir, log: (l) => process.stdout.write(`${l}\n`) });
    for (const b of r.binaries) process.stdout.write(`${relative(process.cwd(), b.path)}: ${(b.bytes / 1024 / 1024).toFixed(1)} MiB\n`);
    process.stdout.write(`built in ${(r.ms / 1000).toFixed(1)}s\n`);
  } catch (err) {
    process.stderr.write(`build:binary: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
