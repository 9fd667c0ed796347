import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImages, DEFAULT_CACHE_DIR } from './build.ts';
import { which } from './exec.ts';
import { httpGet, startRegistry, type Registry } from './registry.ts';
import { freePort } from '../../testutil/etcd.ts';

const TOOLS = ['umoci', 'skopeo', 'docker-registry', 'gcc', 'dpkg-deb', 'ldd', 'apt-get', 'curl', 'busybox'];
const ACCEPT = [
  'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json',
];

async function skipReason(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root (writes the image cache, runs docker-registry)';
  for (const t of TOOLS) if (!(await which(t))) return `missing tool: ${t}`;
  return undefined;
}


describe('test images in a real registry', { timeout: 300_000 }, () => {
  let registry: Registry | undefined;
  let out: string | undefined;
  after(async () => {
    await registry?.stop();
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('builds the layouts, pushes them, and the registry serves the manifests', async (t) => {
    const reason = await skipReason();
    if (reason) {
      t.skip(reason);
      return;
    }
    out = await mkdtemp(join(tmpdir(), 'skiff-images-test-'));
    const built = await buildImages({ out: join(out, 'layouts'), cacheDir: DEFAULT_CACHE_DIR });
    assert.equal(built.images.length, 5);
    const again = await buildImages({ cacheDir: DEFAULT_CACHE_DIR });
    assert.equal(again.cached, true, 'second build must come from the cache');

    const port = await freePort();
    registry = await startRegistry({ addr: `127.0.0.1:${port}`, images: built.images, tmpRoot: out });

    const nginx = await httpGet(`${registry.url}/v2/library/nginx/manifests/1.22`, undefined, ACCEPT);
    assert.equal(nginx.status, 200, `GET nginx manifest: ${nginx.status} ${nginx.body}`);
    const manifest = JSON.parse(nginx.body) as { schemaVersion?: number; layers?: unknown[]; config?: { digest?: string } };
    assert.equal(manifest.schemaVersion, 2);
    assert.equal(manifest.layers?.length, 1);
    assert.match(manifest.config?.digest ?? '', /^sha256:/);

    const pause = await httpGet(`${registry.url}/v2/pause/manifests/3.9`, undefined, ACCEPT);
    assert.equal(pause.status, 200, `GET pause manifest: ${pause.status} ${pause.body}`);

    const curl = await httpGet(`${registry.url}/v2/library/curl/manifests/7.88`, undefined, ACCEPT);
    assert.equal(curl.status, 200, `GET curl manifest: ${curl.status} ${curl.body}`);

    const configBlob = await httpGet(`${registry.url}/v2/library/nginx/blobs/${manifest.config?.digest ?? ''}`);
    assert.equal(configBlob.status, 200);
    const config = JSON.parse(configBlob.body) as { config?: { Cmd?: string[]; StopSignal?: string } };
    assert.deepEqual(config.config?.Cmd, ['nginx', '-g', 'daemon off;']);
    assert.equal(config.config?.StopSignal, 'SIGQUIT');

    const tags = await httpGet(`${registry.url}/v2/library/nginx/tags/list`);
    const list = JSON.parse(tags.body) as { tags?: string[] };
    assert.deepEqual([...(list.tags ?? [])].sort(), ['1.22', '1.23']);

    const missing = await httpGet(`${registry.url}/v2/library/nginx/manifests/9.99`, undefined, ACCEPT);
    assert.equal(missing.status, 404);
  });
});
