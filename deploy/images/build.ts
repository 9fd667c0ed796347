/**
 * Builds Skiff's test images (pause, busybox, nginx, curl) into OCI layouts without
 * internet: the binaries come from Debian packages and the host toolchain.
 * Results are cached under a directory keyed by a hash of every input, so a
 * second run only copies (or just returns) the cached layouts.
 *
 * CLI: `node --import tsx deploy/images/build.ts --out DIR [--cache-dir DIR]`
 */
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, runAllowFail } from './exec.ts';
import {
  CURL_PACKAGES,
  IMAGES,
  NGINX_DIRS,
  NGINX_PACKAGES,
  cacheKey,
  groupFile,
  lddMissing,
  nginxConf,
  nginxIndexPage,
  parseBusyboxList,
  parseLdd,
  passwdFile,
  type CacheInput,
  type ImageSpec,
} from './recipe.ts';
import { buildImage, gcLayout, initLayout } from './umoci.ts';

const here = dirname(fileURLToPath(import.meta.url));
const BUSYBOX = '/bin/busybox';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Default cache directory for built layouts. */
export const DEFAULT_CACHE_DIR = '/var/cache/skiff-images';

/** A built image: its spec plus the absolute path of its OCI layout directory. */
export interface BuiltImage extends ImageSpec {
  layout: string;
}

/** Result of {@link buildImages}. */
export interface BuiltImages {
  /** Directory holding one OCI layout per image name (`pause/`, `busybox/`, `nginx/`, `curl/`). */
  dir: string;
  images: BuiltImage[];
  /** True when the layouts came from the cache and nothing was built. */
  cached: boolean;
}

/** Options for {@link buildImages}. */
export interface BuildOptions {
  /** Cache directory; default {@link DEFAULT_CACHE_DIR}. */
  cacheDir?: string;
  /** If set, the layouts are copied here (replacing what was there) and `dir` points here. */
  out?: string;
  /** Progress lines; default none. */
  progress?: (line: string) => void;
}

/**
 * buildImages builds (or reuses from cache) the layouts for every entry of
 * IMAGES. Needs root-free tools umoci, gcc (static libc), dpkg-deb, ldd,
 * apt-get (Debian mirror reachable, only when the cache is cold) and
 * /bin/busybox from busybox-static. Throws CommandError when a tool fails.
 * Safe to run concurrently: builds go to a private temp dir and are renamed in.
 */
export async function buildImages(opts: BuildOptions = {}): Promise<BuiltImages> {
  const progress = opts.progress ?? (() => undefined);
  const cacheDir = resolve(opts.cacheDir ?? DEFAULT_CACHE_DIR);
  await mkdir(cacheDir, { recursive: true });
  const key = cacheKey(await cacheInputs());
  const cached = join(cacheDir, key.slice(0, 24));
  const hit = existsSync(join(cached, 'done'));
  if (!hit) {
    progress(`building images into ${cached}`);
    const work = await mkdtemp(join(cacheDir, '.build-'));
    try {
      await buildAll(join(work, 'layouts'), join(work, 'scratch'), progress);
      await writeFile(join(work, 'layouts', 'done'), key + '\n');
      if (!existsSync(join(cached, 'done'))) {
        await rm(cached, { recursive: true, force: true });
        // A concurrent build may win the rename; its result is equally good.
        await rename(join(work, 'layouts'), cached).catch((e: unknown) => {
          if (!existsSync(join(cached, 'done'))) throw e;
        });
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  } else {
    progress(`images cached at ${cached}`);
  }
  let dir = cached;
  if (opts.out) {
    dir = resolve(opts.out);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await cp(cached, dir, { recursive: true, verbatimSymlinks: true });
  }
  return { dir, cached: hit, images: IMAGES.map((spec) => ({ ...spec, layout: join(dir, spec.name) })) };
}

/** cacheInputs collects everything a build depends on: recipe sources, busybox, toolchain and package versions. */
async function cacheInputs(): Promise<CacheInput[]> {
  const inputs: CacheInput[] = [];
  for (const f of ['build.ts', 'recipe.ts', 'umoci.ts', 'pause.c']) {
    inputs.push({ label: `src/${f}`, data: await readFile(join(here, f)) });
  }
  inputs.push({ label: 'busybox', data: await readFile(BUSYBOX) });
  inputs.push({ label: 'gcc', data: (await runAllowFail('gcc', ['--version'])).stdout });
  inputs.push({ label: 'libc', data: (await runAllowFail('dpkg-query', ['-W', '-f=${Version}', 'libc6'])).stdout });
  for (const [label, packages] of [['nginx', NGINX_PACKAGES], ['curl', CURL_PACKAGES]] as const) {
    const policy = await runAllowFail('apt-cache', ['policy', ...packages]);
    const candidates = [...policy.stdout.matchAll(/Candidate:\s*(\S+)/g)].map((m) => m[1]).join(',');
    inputs.push({ label, data: candidates });
  }
  return inputs;
}

async function buildAll(layouts: string, scratch: string, progress: (l: string) => void): Promise<void> {
  await mkdir(scratch, { recursive: true });
  let bundles = 0;
  const nextBundle = (): string => join(scratch, `bundle-${bundles++}`);
  const nginxDebs = await downloadDebs(join(scratch, 'debs-nginx'), NGINX_PACKAGES);
  const curlDebs = await downloadDebs(join(scratch, 'debs-curl'), CURL_PACKAGES);
  for (const spec of IMAGES) {
    const layout = join(layouts, spec.name);
    await initLayout(layout);
    progress(`building ${spec.name}:${spec.tag}`);
    if (spec.name === 'pause') {
      await buildImage(layout, spec.tag, nextBundle(), fillPause, { entrypoint: ['/pause'], cmd: [], env: [PATH_ENV] });
    } else if (spec.name === 'busybox') {
      await buildImage(layout, spec.tag, nextBundle(), fillBusybox, { entrypoint: [], cmd: ['sh'], env: [PATH_ENV] });
    } else if (spec.name === 'curl') {
      await buildImage(layout, spec.tag, nextBundle(), (rootfs) => fillCurl(rootfs, curlDebs), { entrypoint: [], cmd: ['sh'], env: [PATH_ENV] });
    } else {
      await buildImage(layout, spec.tag, nextBundle(), (rootfs) => fillNginx(rootfs, nginxDebs, spec.tag), {
        entrypoint: [],
        cmd: ['nginx', '-g', 'daemon off;'],
        env: [PATH_ENV],
        stopSignal: 'SIGQUIT',
        exposedPorts: ['80/tcp'],
      });
    }
  }
  for (const name of new Set(IMAGES.map((i) => i.name))) await gcLayout(join(layouts, name));
}

/** downloadDebs fetches the .deb files of `packages` (not installed) into `dir`; throws CommandError when apt-get fails. */
async function downloadDebs(dir: string, packages: readonly string[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const download = (): Promise<string> => run('apt-get', ['download', ...packages], { cwd: dir, timeoutMs: 180_000 });
  // A machine whose package lists were never fetched knows none of them: update once and retry.
  await download().catch(async () => {
    await run('apt-get', ['update', '-qq'], { timeoutMs: 300_000 });
    return download();
  });
  const listing = await run('sh', ['-c', 'ls -1 "$1"/*.deb', 'sh', dir]);
  const debs = listing.split('\n').filter((l) => l.endsWith('.deb'));
  if (debs.length < packages.length) throw new Error(`apt-get download ${packages.join(' ')} gave ${debs.length} .deb files in ${dir}`);
  return debs;
}

/** copyLibraries copies every shared object `ldd` names for `binary` (inside `rootfs`) from the host to the same path in `rootfs`. */
async function copyLibraries(rootfs: string, binary: string): Promise<void> {
  const ldd = await run('ldd', [binary]);
  const missing = lddMissing(ldd);
  if (missing.length > 0) throw new Error(`ldd ${binary}: libraries not found on the host: ${missing.join(', ')}`);
  for (const lib of parseLdd(ldd)) {
    const dest = join(rootfs, lib);
    await mkdir(dirname(dest), { recursive: true });
    await copyFile(lib, dest); // follows symlinks: the real file lands under the name the loader asks for
  }
}

/** JUNK are package directories an image does not need at run time. */
const JUNK = ['usr/share/doc', 'usr/share/man', 'usr/share/zsh', 'usr/share/vim', 'etc/init.d', 'etc/ufw', 'lib/systemd', 'etc/logrotate.d'];

async function baseFiles(rootfs: string): Promise<void> {
  for (const d of ['etc', 'tmp', 'root', 'proc', 'sys', 'dev', 'run', 'var']) await mkdir(join(rootfs, d), { recursive: true });
  await chmod(join(rootfs, 'tmp'), 0o1777);
  await writeFile(join(rootfs, 'etc/passwd'), passwdFile());
  await writeFile(join(rootfs, 'etc/group'), groupFile());
  await writeFile(join(rootfs, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
}

async function fillPause(rootfs: string): Promise<void> {
  await run('gcc', ['-static', '-O2', '-s', '-o', join(rootfs, 'pause'), join(here, 'pause.c')]);
}

async function fillBusybox(rootfs: string): Promise<void> {
  await baseFiles(rootfs);
  await mkdir(join(rootfs, 'bin'), { recursive: true });
  await copyFile(BUSYBOX, join(rootfs, 'bin/busybox'));
  await chmod(join(rootfs, 'bin/busybox'), 0o755);
  const applets = parseBusyboxList(await run(BUSYBOX, ['--list-full']));
  for (const applet of applets) {
    const target = join(rootfs, applet);
    await mkdir(dirname(target), { recursive: true });
    if (!existsSync(target)) await symlink('/bin/busybox', target);
  }
}

/** fillCurl is the busybox image plus /usr/bin/curl from the Debian package and the host libraries it links (HTTPS via OpenSSL; CA given per request). */
async function fillCurl(rootfs: string, debs: readonly string[]): Promise<void> {
  await fillBusybox(rootfs);
  for (const deb of debs) await run('dpkg-deb', ['-x', deb, rootfs]);
  for (const junk of JUNK) await rm(join(rootfs, junk), { recursive: true, force: true });
  await copyLibraries(rootfs, join(rootfs, 'usr/bin/curl'));
}

async function fillNginx(rootfs: string, debs: readonly string[], tag: string): Promise<void> {
  await baseFiles(rootfs);
  for (const deb of debs) await run('dpkg-deb', ['-x', deb, rootfs]);
  for (const junk of JUNK) await rm(join(rootfs, junk), { recursive: true, force: true });
  await copyLibraries(rootfs, join(rootfs, 'usr/sbin/nginx'));
  for (const d of NGINX_DIRS) await mkdir(join(rootfs, d), { recursive: true });
  await writeFile(join(rootfs, 'etc/nginx/nginx.conf'), nginxConf(tag));
  for (const [name, target] of [['access.log', '/dev/stdout'], ['error.log', '/dev/stderr']] as const) {
    await rm(join(rootfs, 'var/log/nginx', name), { force: true });
    await symlink(target, join(rootfs, 'var/log/nginx', name));
  }
  const html = join(rootfs, 'usr/share/nginx/html');
  await mkdir(html, { recursive: true });
  const index = join(html, 'index.html');
  const shipped = existsSync(index) ? await readFile(index, 'utf8') : '';
  const page = shipped.includes('Welcome to nginx!')
    ? shipped.replace('</body>', `<p>Skiff test image nginx:${tag}.</p>\n</body>`)
    : nginxIndexPage(tag);
  await writeFile(index, page);
}

/** main is the CLI: `build.ts --out DIR [--cache-dir DIR]`; prints one line per image with its layout. */
async function main(argv: readonly string[]): Promise<void> {
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(name + '='))?.slice(name.length + 1);
  };
  const out = flag('--out');
  const cacheDir = flag('--cache-dir') ?? (process.getuid?.() === 0 ? DEFAULT_CACHE_DIR : join(tmpdir(), 'skiff-images'));
  const built = await buildImages({ out, cacheDir, progress: (l) => process.stderr.write(l + '\n') });
  for (const img of built.images) process.stdout.write(`oci:${img.layout}:${img.tag} -> ${img.repository}:${img.tag}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`build failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
