/**
 * Registry mirrors for containerd's CRI plugin, written as
 * `<certsDir>/<host>/hosts.toml` files (containerd's `config_path` scheme).
 * Never combine this with the CRI `mirrors` table: PLATFORM.md measured that
 * setting both silently disables the CRI plugin.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** "Pull `host`'s images from `url`", e.g. docker.io → http://127.0.0.1:5000. */
export interface RegistryMirror {
  host: string;
  url: string;
}

const marker = '# Written by skiff server (--registry-mirror); rewritten on every start.';

/**
 * Parses a `HOST=URL` flag value. Throws an Error naming the problem when the
 * host is empty or has a slash, or the URL is not http(s)://.
 */
export function parseRegistryMirror(value: string): RegistryMirror {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new Error(`--registry-mirror wants HOST=URL, got "${value}"`);
  const host = value.slice(0, eq).trim();
  const url = value.slice(eq + 1).trim().replace(/\/+$/, '');
  if (host === '' || host.includes('/') || /\s/.test(host)) throw new Error(`--registry-mirror: bad registry host "${host}"`);
  if (!/^https?:\/\//.test(url)) throw new Error(`--registry-mirror: URL must be http:// or https://, got "${url}"`);
  try {
    new URL(url);
  } catch {
    throw new Error(`--registry-mirror: bad URL "${url}"`);
  }
  return { host, url };
}

/** Renders the hosts.toml content that sends pulls and resolves to `url`. Pure. */
export function renderHostsToml(url: string): string {
  const u = JSON.stringify(url);
  return [marker, `server = ${u}`, '', `[host.${u}]`, '  capabilities = ["pull", "resolve"]', ''].join('\n');
}

/**
 * Writes one hosts.toml per mirror under `certsDir` and removes hosts.toml
 * files an earlier run wrote for hosts no longer given (files without our
 * marker line are left alone). Idempotent. Throws on I/O errors.
 */
export function writeRegistryMirrors(certsDir: string, mirrors: RegistryMirror[]): void {
  mkdirSync(certsDir, { recursive: true });
  const wanted = new Set(mirrors.map((m) => m.host));
  for (const host of readdirSync(certsDir)) {
    if (wanted.has(host)) continue;
    const file = join(certsDir, host, 'hosts.toml');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (text.startsWith(marker)) rmSync(join(certsDir, host), { recursive: true, force: true });
  }
  for (const m of mirrors) {
    mkdirSync(join(certsDir, m.host), { recursive: true });
    writeFileSync(join(certsDir, m.host, 'hosts.toml'), renderHostsToml(m.url));
  }
}
