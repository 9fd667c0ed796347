/** What the create bench's two clients (in-thread and worker) share: the pod they create and the bounded-concurrency timer. */
import type { Pod } from 'kubernetes-types/core/v1';

/**
 * Runs tasks 0 … n-1 with at most `c` in flight; resolves the elapsed
 * wall-clock ms. Rejects with the first task's error.
 */
export async function timed(n: number, c: number, task: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(c, n) }, worker));
  return performance.now() - start;
}

/** The bench's pod `name` in `namespace` (default `default`): one nginx container with requests of 10m CPU and 16 MiB. */
export function benchPod(name: string, namespace = 'default'): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace, labels: { app: 'bench' } },
    spec: { containers: [{ name: 'c', image: 'nginx:1.22', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  };
}
