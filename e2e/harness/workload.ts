/**
 * The e2e workload (Deployment `web` + Service `web`) and small views over pod
 * lists used by the acceptance test.
 */
import type { Deployment } from 'kubernetes-types/apps/v1';
import type { Pod, Service } from 'kubernetes-types/core/v1';
import { stringify } from 'yaml';

/** Parameters of the `web` workload. */
export interface WebSpec {
  replicas: number;
  /** e.g. `nginx:1.22` */
  image: string;
}

/** webDeployment is Deployment `web`: `replicas` nginx pods labelled app=web, port 80, requests 50m cpu / 32Mi memory. */
export function webDeployment(spec: WebSpec): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: 'nginx',
              image: spec.image,
              ports: [{ containerPort: 80, name: 'http' }],
              resources: { requests: { cpu: '50m', memory: '32Mi' } },
            },
          ],
        },
      },
    },
  };
}

/** webService is ClusterIP Service `web`: port 8080 → targetPort 80 on app=web pods. */
export function webService(): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: { type: 'ClusterIP', selector: { app: 'web' }, ports: [{ name: 'http', port: 8080, targetPort: 80, protocol: 'TCP' }] },
  };
}

/** webManifest renders both objects as a multi-document YAML file for `kubectl apply -f`. */
export function webManifest(spec: WebSpec): string {
  return [webDeployment(spec), webService()].map((o) => stringify(o)).join('---\n');
}

/** A compact view of a pod for assertions and failure messages. */
export interface PodView {
  name: string;
  uid: string;
  phase: string;
  podIP: string;
  image: string;
  ready: boolean;
  terminating: boolean;
  /** First container's waiting reason (e.g. ImagePullBackOff), or ''. */
  waitingReason: string;
}

/** podView summarises a pod. */
export function podView(p: Pod): PodView {
  const cs = p.status?.containerStatuses?.[0];
  return {
    name: p.metadata?.name ?? '',
    uid: p.metadata?.uid ?? '',
    phase: p.status?.phase ?? '',
    podIP: p.status?.podIP ?? '',
    image: p.spec?.containers[0]?.image ?? '',
    ready: (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    terminating: Boolean(p.metadata?.deletionTimestamp),
    waitingReason: cs?.state?.waiting?.reason ?? '',
  };
}

/** runningPods keeps pods that are Running with a pod IP and not being deleted. */
export function runningPods(pods: readonly PodView[]): PodView[] {
  return pods.filter((p) => p.phase === 'Running' && p.podIP !== '' && !p.terminating);
}

/** describePods renders pod views one per line (`name phase ip image [terminating]`) for failure messages. */
export function describePods(pods: readonly PodView[]): string {
  if (pods.length === 0) return '(no pods)';
  return pods
    .map((p) => `${p.name} ${p.phase || '-'} ${p.podIP || '-'} ${p.image}${p.ready ? ' ready' : ''}${p.terminating ? ' terminating' : ''}${p.waitingReason ? ' ' + p.waitingReason : ''}`)
    .join('; ');
}
