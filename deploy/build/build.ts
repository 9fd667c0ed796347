/**
 * `npm run build`: bundles the `skiff` command (deploy/cli.ts and every
 * component it runs) with esbuild into ESM, `<out>/skiff.mjs` and the
 * `chunk-*.mjs` it loads (node20, linked source maps), that runs without tsx. The assets the
 * sources read from disk are embedded (rewrites.ts), so the bundle needs
 * nothing of the source tree or node_modules at run time; `skiff server`
 * spawns its components as `node <out>/skiff.mjs <component>`.
 *
 * CLI: `node --import tsx deploy/build/build.ts [--out DIR]` (default dist/).
 * Prints the files written and the time taken; exits 1 on a build error.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { readAssets } from './assets.ts';
import { applyRewrites, bundleRewrites, type Rewrite } from './rewrites.ts';

/** The repository root (two levels above this file). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Name of the bundle inside the output directory. */
export const BUNDLE_NAME = 'skiff.mjs';

/** What `buildBundle` wrote. */
export interface BuildResult {
  /** Absolute path of the bundle. */
  bundle: string;
  /** Every file written, with its size in bytes. */
  files: Array<{ path: string; bytes: number }>;
  /** Wall time of the build in ms. */
  ms: number;
}

/** Options of `buildBundle`. */
export interface BuildOptions {
  /** Output directory (created if missing). */
  outDir: string;
  /** Repository root to bundle (default: this checkout). */
  root?: string;
}

/** The esbuild plugin applying `rules`; fails the build when a rule's text is missing or a rule never matched a module. */
export function rewritePlugin(rules: Rewrite[]): esbuild.Plugin {
  const modules = rules.map((r) => r.module);
  const escaped = modules.map((m) => m.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  const filter = new RegExp(`[\\\\/](${escaped.join('|')})$`);
  return {
    name: 'skiff-rewrites',
    setup(build) {
      const seen = new Set<string>();
      build.onLoad({ filter }, async (args) => {
        const { readFile } = await import('node:fs/promises');
        const r = applyRewrites(args.path, await readFile(args.path, 'utf8'), rules);
        if ('error' in r) return { errors: [{ text: r.error }] };
        for (const m of r.applied) seen.add(m);
        return { contents: r.code, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
      });
      build.onEnd((res) => {
        const missed = modules.filter((m) => !seen.has(m));
        if (res.errors.length === 0 && missed.length > 0) {
          res.errors.push({ id: '', pluginName: 'skiff-rewrites', text: `never bundled: ${missed.join(', ')} (update deploy/build/rewrites.ts)`, location: null, notes: [], detail: undefined });
        }
      });
    },
  };
}

/** Removes what an earlier build wrote into `dir` (skiff.mjs, chunk-*.mjs and their maps), so no stale chunk survives. */
function removeOldOutput(dir: string): void {
  for (const f of readdirSync(dir)) {
    if (/^(skiff|chunk-[A-Z0-9]+)\.mjs(\.map)?$/.test(f)) rmSync(join(dir, f), { force: true });
  }
}

/**
 * Bundles deploy/cli.ts into `<outDir>/skiff.mjs` and its chunks (+ `.map`s). Throws
 * esbuild's error (its message lists every problem) when the build fails.
 */
export async function buildBundle(opts: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const root = opts.root ?? repoRoot;
  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  removeOldOutput(outDir);
  const bundle = join(outDir, BUNDLE_NAME);
  const res = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [join(root, 'deploy', 'cli.ts')],
    // Code splitting: each component's modules are a chunk of their own, so a
    // component process parses only what it runs (about 15 MiB less RSS each).
    outdir: outDir,
    splitting: true,
    entryNames: 'skiff',
    chunkNames: 'chunk-[hash]',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
    // CommonJS dependencies call require() for Node's built-ins; ESM has none.
    banner: { js: "import { createRequire as __skiffCreateRequire } from 'node:module';\nconst require = __skiffCreateRequire(import.meta.url);" },
    plugins: [rewritePlugin(bundleRewrites(readAssets(root)))],
  });
  const files = Object.entries(res.metafile.outputs).map(([p, o]) => ({ path: resolve(root, p), bytes: o.bytes }));
  return { bundle, files, ms: Date.now() - started };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  const outDir = at >= 0 && args[at + 1] !== undefined ? args[at + 1] : join(repoRoot, 'dist');
  try {
    const r = await buildBundle({ outDir });
    const mib = (fs: typeof r.files): string => (fs.reduce((n, f) => n + f.bytes, 0) / 1024 / 1024).toFixed(1);
    const code = r.files.filter((f) => f.path.endsWith('.mjs'));
    const maps = r.files.filter((f) => f.path.endsWith('.map'));
    process.stdout.write(`${relative(process.cwd(), r.bundle)} and ${code.length - 1} chunks: ${mib(code)} MiB (source maps ${mib(maps)} MiB), built in ${(r.ms / 1000).toFixed(1)}s\n`);
  } catch (err) {
    process.stderr.write(`build: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
