import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeRuntime } from '../cri/fake.ts';
import { rotateLogs, rotatedName, rotatedToDelete } from './log-rotation.ts';
import { quietLogger } from '../../testutil/log.ts';

const quiet = quietLogger('test');

test('rotated names and retention', () => {
  assert.equal(rotatedName('/l/app/0.log', Date.parse('2026-01-02T03:04:05Z')), '/l/app/0.log.20260102-030405');
  assert.deepEqual(rotatedToDelete('0.log', ['0.log', '0.log.20260101-000003', '0.log.20260101-000001', '0.log.20260101-000002', '1.log'], 2), ['0.log.20260101-000001']);
  assert.deepEqual(rotatedToDelete('0.log', ['0.log'], 4), []);
});

test('rotateLogs renames big logs of running containers and asks the runtime to reopen them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-rot-'));
  try {
    const rt = new FakeRuntime();
    await rt.pullImage('img');
    const sbc = { metadata: { name: 'p', namespace: 'd', uid: 'u', attempt: 0 }, hostname: '', log_directory: dir, port_mappings: [], labels: {}, annotations: {} };
    const sb = await rt.runPodSandbox(sbc);
    const mk = async (name: string): Promise<string> => {
      const id = await rt.createContainer(sb, { metadata: { name, attempt: 0 }, image: { image: 'img' }, command: [], args: [], working_dir: '', envs: [], mounts: [], labels: {}, annotations: {}, log_path: `${name}/0.log` }, sbc);
      await rt.startContainer(id);
      await mkdir(join(dir, name), { recursive: true });
      return id;
    };
    const big = await mk('big');
    await mk('small');
    await writeFile(join(dir, 'big', '0.log'), 'x'.repeat(2000));
    await writeFile(join(dir, 'small', '0.log'), 'x'.repeat(10));
    for (let i = 1; i <= 3; i++) await writeFile(join(dir, 'big', `0.log.2025010${i}-000000`), 'old');
    const rotated = await rotateLogs(rt, quiet, Date.parse('2026-01-02T03:04:05Z'), 1000, 3);
    assert.deepEqual(rotated, [join(dir, 'big', '0.log')]);
    assert.deepEqual(rt.reopened, [big]);
    assert.deepEqual((await readdir(join(dir, 'big'))).sort(), ['0.log.20250103-000000', '0.log.20260102-030405']);
    assert.deepEqual(await readdir(join(dir, 'small')), ['0.log']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
