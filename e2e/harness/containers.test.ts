import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { listCriContainers, parseContainerInfo, parseTasks, runningAppContainersByPod, type CriContainer } from './containers.ts';

const TASKS = `TASK                                                                PID      STATUS
aaa                                                                 4100     RUNNING
bbb                                                                 4200     STOPPED
`;

function info(id: string, kind: string, pod: string, name = ''): string {
  return JSON.stringify({
    ID: id,
    Image: kind === 'sandbox' ? 'registry.k8s.io/pause:3.9' : 'docker.io/library/nginx:1.22',
    Labels: {
      'io.cri-containerd.kind': kind,
      'io.kubernetes.pod.name': pod,
      'io.kubernetes.pod.namespace': 'default',
      'io.kubernetes.pod.uid': `uid-${pod}`,
      ...(name ? { 'io.kubernetes.container.name': name } : {}),
    },
  });
}

describe('ctr parsing', () => {
  it('parseTasks reads id, pid and status', () => {
    const t = parseTasks(TASKS);
    assert.deepEqual(t.get('aaa'), { pid: 4100, status: 'RUNNING' });
    assert.deepEqual(t.get('bbb'), { pid: 4200, status: 'STOPPED' });
    assert.equal(t.size, 2);
    assert.equal(parseTasks('TASK PID STATUS\n').size, 0);
  });

  it('parseContainerInfo reads CRI labels and joins the task', () => {
    const c = parseContainerInfo(info('aaa', 'container', 'web-1', 'nginx'), { pid: 4100, status: 'RUNNING' });
    assert.deepEqual(c, {
      id: 'aaa',
      kind: 'container',
      podName: 'web-1',
      podNamespace: 'default',
      podUid: 'uid-web-1',
      containerName: 'nginx',
      image: 'docker.io/library/nginx:1.22',
      status: 'RUNNING',
      pid: 4100,
    });
    assert.equal(parseContainerInfo(info('x', 'sandbox', 'p')).status, 'NONE');
  });
});

describe('listCriContainers with a fake ctr', () => {
  it('combines ls, tasks and info and skips containers removed meanwhile', async () => {
    const calls: string[] = [];
    const fake = async (...args: string[]) => {
      calls.push(args.join(' '));
      if (args[0] === 'containers' && args[1] === 'ls') return { stdout: 'aaa\nbbb\nccc\nsss\n', stderr: '', code: 0 };
      if (args[0] === 'tasks') return { stdout: TASKS + 'sss 4000 RUNNING\n', stderr: '', code: 0 };
      const id = args[2] ?? '';
      if (id === 'ccc') return { stdout: '', stderr: 'not found', code: 1 };
      if (id === 'sss') return { stdout: info('sss', 'sandbox', 'web-1'), stderr: '', code: 0 };
      return { stdout: info(id, 'container', id === 'aaa' ? 'web-1' : 'web-2', 'nginx'), stderr: '', code: 0 };
    };
    const list = await listCriContainers(fake);
    assert.deepEqual(list.map((c) => `${c.id}:${c.kind}:${c.status}`), ['aaa:container:RUNNING', 'bbb:container:STOPPED', 'sss:sandbox:RUNNING']);
    const byPod = runningAppContainersByPod(list);
    assert.deepEqual([...byPod.keys()], ['default/web-1']);
    assert.equal(byPod.get('default/web-1')?.length, 1);
    assert.ok(calls.includes('containers info ccc'));
  });

  it('throws with ctr stderr when containerd is unreachable', async () => {
    const fake = async () => ({ stdout: '', stderr: 'connection refused', code: 1 });
    await assert.rejects(listCriContainers(fake), /connection refused/);
  });

  it('groups two running containers of one pod together (a duplicate)', () => {
    const base: CriContainer = {
      id: '1', kind: 'container', podName: 'p', podNamespace: 'default', podUid: 'u', containerName: 'nginx', image: 'i', status: 'RUNNING', pid: 1,
    };
    const byPod = runningAppContainersByPod([base, { ...base, id: '2' }, { ...base, id: '3', status: 'STOPPED' }]);
    assert.equal(byPod.get('default/p')?.length, 2);
  });
});
