/**
 * The source rewrites the bundle needs so that nothing reads a file of the
 * source tree (or of node_modules) at run time: each rule names the module it
 * applies to (a path suffix), the exact text it expects there and the text
 * that replaces it. A rule whose text is missing fails the build, so a
 * refactor of one of these modules cannot silently bring a disk read back.
 * Pure.
 */

/** One textual replacement in one module. */
export interface Rewrite {
  /** The module's path relative to its package or the repository root (a suffix of its absolute path, `/` separated). */
  module: string;
  /** Exact text expected in that module (once or more: every occurrence is replaced). */
  find: string;
  /** What replaces it (JavaScript source). */
  replace: string;
  /** Why the rewrite exists (shown when `find` goes missing). */
  why: string;
}

/** What the rewrites embed: computed at build time by assets.ts. */
export interface EmbeddedAssets {
  /** protobufjs JSON of proto/api.proto (the CRI), parsed with keepCase. */
  criProto: unknown;
  /** protobufjs JSON of etcd3's proto/rpc.proto and its imports, parsed with keepCase. */
  etcdProto: unknown;
  /** The text of apiserver/api/schema/definitions.json. */
  schemaDefinitions: string;
  /** The commit the bundle was built from ('' when unknown). */
  gitCommit: string;
}

/** The rewrites for `assets`, in no particular order. */
export function bundleRewrites(assets: EmbeddedAssets): Rewrite[] {
  return [
    {
      module: 'kubelet/cri/grpc.ts',
      find: 'protoLoader.loadSync(CRI_PROTO_PATH, ',
      replace: `protoLoader.fromJSON(${JSON.stringify(assets.criProto)}, `,
      why: 'the CRI proto is embedded instead of read from proto/api.proto',
    },
    {
      module: 'etcd3/lib/connection-pool.js',
      find: '(0, proto_loader_1.loadSync)(`${__dirname}/../proto/rpc.proto`, ',
      replace: `(0, proto_loader_1.fromJSON)(${JSON.stringify(assets.etcdProto)}, `,
      why: "etcd3's proto is embedded instead of read next to its module",
    },
    {
      module: 'apiserver/api/schema/catalog.ts',
      find: "readFileSync(new URL('./definitions.json', import.meta.url), 'utf8')",
      replace: JSON.stringify(assets.schemaDefinitions),
      why: 'the schema definitions are embedded instead of read from the source tree',
    },
    {
      module: 'apiserver/version.ts',
      find: 'gitCommit: gitCommit(),',
      replace: `gitCommit: ${JSON.stringify(assets.gitCommit)},`,
      why: 'the commit is the one built, not read from a checkout next to the bundle',
    },
    {
      module: 'deploy/server/components.ts',
      find: "new URL('../bin/skiff.mjs', import.meta.url)",
      replace: "new URL('./skiff.mjs', import.meta.url)",
      why: 'components are spawned from the bundle (dist/skiff.mjs), not through tsx',
    },
  ];
}

/**
 * The rewrites for the single-executable build (binary.ts): the bundle's,
 * except that components are spawned as the binary itself
 * (`process.execPath <component>`, no script argument), and that module-level
 * `import.meta.url` reads are gone, since a CommonJS bundle has no
 * `import.meta` (esbuild leaves it empty).
 */
export function binaryRewrites(assets: EmbeddedAssets): Rewrite[] {
  return [
    ...bundleRewrites(assets).filter((r) => r.module !== 'deploy/server/components.ts'),
    {
      module: 'deploy/server/components.ts',
      find: "args: [fileURLToPath(new URL('../bin/skiff.mjs', import.meta.url))]",
      replace: 'args: []',
      why: 'in the single executable the components are the binary itself run with the component name',
    },
    {
      module: 'kubelet/cri/grpc.ts',
      find: "fileURLToPath(new URL('../../proto/api.proto', import.meta.url))",
      replace: "'proto/api.proto'",
      why: 'a CommonJS bundle has no import.meta.url (the CRI proto is embedded; the path only names it)',
    },
    {
      module: 'apiserver/version.ts',
      find: 'start = dirname(fileURLToPath(import.meta.url))',
      replace: "start = '/'",
      why: 'a CommonJS bundle has no import.meta.url (gitCommit() is not called: the commit is embedded)',
    },
  ];
}

/** The outcome of rewriting one module. */
export type RewriteResult = { code: string; applied: string[] } | { error: string };

/**
 * Applies every rule of `rules` whose `module` is a suffix of `path` (after
 * turning `\` into `/`) to `code`. Returns the new code and the modules of
 * the rules applied, or an error naming the first rule whose `find` text is
 * not in the code.
 */
export function applyRewrites(path: string, code: string, rules: Rewrite[]): RewriteResult {
  const p = path.replaceAll('\\', '/');
  let out = code;
  const applied: string[] = [];
  for (const r of rules) {
    if (!p.endsWith(`/${r.module}`) && p !== r.module) continue;
    if (!out.includes(r.find)) return { error: `${r.module}: expected ${JSON.stringify(r.find)} (${r.why}); update deploy/build/rewrites.ts` };
    out = out.split(r.find).join(r.replace);
    applied.push(r.module);
  }
  return { code: out, applied };
}
