/**
 * Pure parts of the test-image recipes: file contents, parsers for tool output
 * and the cache key. build.ts does the I/O around them.
 */
import { createHash } from 'node:crypto';

/** One image the builder produces: where it lives in the layout and where it is pushed. */
export interface ImageSpec {
  /** Short name, also the OCI layout directory name under the output dir. */
  name: 'pause' | 'busybox' | 'nginx' | 'curl';
  /** Tag inside the layout and in the registry. */
  tag: string;
  /** Repository path in the registry: `library/nginx` for docker.io images, `pause` for registry.k8s.io (mirrors keep the path). */
  repository: string;
}

/** IMAGES lists every image built, in build order. */
export const IMAGES: readonly ImageSpec[] = [
  { name: 'pause', tag: '3.9', repository: 'pause' },
  { name: 'busybox', tag: '1.36', repository: 'library/busybox' },
  { name: 'nginx', tag: '1.22', repository: 'library/nginx' },
  { name: 'nginx', tag: '1.23', repository: 'library/nginx' },
  { name: 'curl', tag: '7.88', repository: 'library/curl' },
];

/** The Debian packages the curl image's binary comes from (its libraries are copied from the host, as `ldd` names them). */
export const CURL_PACKAGES: readonly string[] = ['curl'];

/** The Debian packages the nginx image is unpacked from. */
export const NGINX_PACKAGES: readonly string[] = ['nginx', 'nginx-common'];

/** passwdFile is /etc/passwd for the images: root, www-data (33) and nobody (65534). */
export function passwdFile(): string {
  return [
    'root:x:0:0:root:/root:/bin/sh',
    'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin',
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
    '',
  ].join('\n');
}

/** groupFile is /etc/group matching {@link passwdFile} (nogroup is 65534 as on Debian). */
export function groupFile(): string {
  return ['root:x:0:', 'www-data:x:33:', 'nogroup:x:65534:', ''].join('\n');
}

/**
 * nginxConf renders /etc/nginx/nginx.conf: one worker, logs to the stdout/stderr symlinks, listening on port 80 and serving
 * /usr/share/nginx/html. `tag` goes into an `X-Skiff-Image` response header so
 * two tags of the same package differ in content and can be told apart.
 * `daemon off;` is NOT in the file: the image's cmd passes it with `-g`, as the
 * upstream image does, and nginx rejects the directive twice.
 */
export function nginxConf(tag: string): string {
  return `user www-data;
worker_processes 1;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log notice;

events {
  worker_connections 256;
}

http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log /var/log/nginx/access.log;
  sendfile on;
  keepalive_timeout 65;
  client_body_temp_path /var/lib/nginx/body;
  proxy_temp_path /var/lib/nginx/proxy;
  fastcgi_temp_path /var/lib/nginx/fastcgi;
  uwsgi_temp_path /var/lib/nginx/uwsgi;
  scgi_temp_path /var/lib/nginx/scgi;

  server {
    listen 80 default_server;
    server_name _;
    root /usr/share/nginx/html;
    index index.html;
    add_header X-Skiff-Image "nginx:${tag}";
    location / {
      try_files $uri $uri/ =404;
    }
  }
}
`;
}

/** nginxIndexPage is the page written when the package ships none; it contains "Welcome to nginx!". */
export function nginxIndexPage(tag: string): string {
  return `<!DOCTYPE html>
<html>
<head><title>Welcome to nginx!</title></head>
<body>
<h1>Welcome to nginx!</h1>
<p>Skiff test image nginx:${tag}.</p>
</body>
</html>
`;
}

/** NGINX_DIRS are the directories nginx needs at run time, relative to the rootfs. */
export const NGINX_DIRS: readonly string[] = [
  'run',
  'tmp',
  'var/log/nginx',
  'var/lib/nginx/body',
  'var/lib/nginx/proxy',
  'var/lib/nginx/fastcgi',
  'var/lib/nginx/uwsgi',
  'var/lib/nginx/scgi',
  'var/www',
  'etc/nginx/conf.d',
];

/**
 * parseLdd extracts the absolute paths of the shared objects (and the dynamic
 * loader) from `ldd` output, in order, without duplicates. The vDSO and
 * "not found" entries have no path and are skipped; use {@link lddMissing} to
 * detect the latter.
 */
export function parseLdd(output: string): string[] {
  const paths: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const arrow = line.match(/=>\s*(\/\S+)/);
    const bare = line.match(/^(\/\S+)/);
    const p = arrow?.[1] ?? bare?.[1];
    if (p && !paths.includes(p)) paths.push(p);
  }
  return paths;
}

/** lddMissing returns the library names `ldd` reported as "not found". */
export function lddMissing(output: string): string[] {
  const missing: string[] = [];
  for (const raw of output.split('\n')) {
    const m = raw.trim().match(/^(\S+)\s*=>\s*not found/);
    if (m?.[1]) missing.push(m[1]);
  }
  return missing;
}

/**
 * parseBusyboxList turns `busybox --list-full` output (e.g. `bin/sh`,
 * `usr/bin/env`) into safe relative applet paths, dropping `bin/busybox`
 * itself, blanks and anything absolute or containing `..`.
 */
export function parseBusyboxList(output: string): string[] {
  const out: string[] = [];
  for (const raw of output.split('\n')) {
    const p = raw.trim().replace(/^\/+/, '');
    if (p === '' || p === 'bin/busybox' || p.split('/').includes('..')) continue;
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** One input to the cache key: a label and its bytes or text. */
export interface CacheInput {
  label: string;
  data: string | Buffer;
}

/**
 * cacheKey hashes the build inputs (sorted by label, each length-prefixed so
 * boundaries cannot shift) into a 64-char hex sha256. Same inputs → same key.
 */
export function cacheKey(inputs: readonly CacheInput[]): string {
  const h = createHash('sha256');
  for (const input of [...inputs].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))) {
    const data = typeof input.data === 'string' ? Buffer.from(input.data, 'utf8') : input.data;
    h.update(`${input.label}\0${data.length}\0`);
    h.update(data);
  }
  return h.digest('hex');
}
