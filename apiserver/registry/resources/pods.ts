/**
 * core/v1 pods: defaulting (pod spec defaults, priority, default
 * tolerations, Pending status with QoS class), validation, the update rules
 * of the pod strategy, field selectors and the kubectl table.
 */
import type { Container, Pod, PodSpec, Toleration } from 'kubernetes-types/core/v1';
import type { FieldCause } from '../../api/errors.ts';
import type { ResourceDef } from '../types.ts';
import { ageCell, column, keepSpec, keepStatus, standardVerbs, validateMeta } from './common.ts';
import { defaultPodSpec, validatePodSpec } from './podspec.ts';
import { podCells } from './podtable.ts';
import { validatePodSpecUpdate } from './podupdate.ts';
import { qosClass } from '../../api/qos.ts';

/** The two NoExecute tolerations the DefaultTolerationSeconds admission plugin adds (300 s). */
export const defaultTolerations: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

function addDefaultTolerations(spec: PodSpec): void {
  const tols = spec.tolerations ?? [];
  for (const d of defaultTolerations) {
    const covered = tols.some((t) => (t.key === d.key || (t.key === undefined && t.operator === 'Exists')) && (t.effect === undefined || t.effect === '' || t.effect === 'NoExecute'));
    if (!covered) tols.push({ ...d });
  }
  spec.tolerations = tols;
}

function defaultPod(pod: Pod): void {
  pod.spec ??= { containers: [] };
  defaultPodSpec(pod.spec);
  pod.spec.priority ??= 0;
  addDefaultTolerations(pod.spec);
}

/** Keeps status.podIPs / hostIPs consistent with podIP / hostIP (Kubernetes requires podIPs[0] == podIP). */
export function syncPodIPs(pod: Pod): void {
  const st = pod.status;
  if (!st) return;
  if (st.podIP && st.podIPs?.[0]?.ip !== st.podIP) st.podIPs = [{ ip: st.podIP }];
  if (!st.podIP && st.podIPs?.[0]?.ip) st.podIP = st.podIPs[0].ip;
  if (st.hostIP && st.hostIPs?.[0]?.ip !== st.hostIP) st.hostIPs = [{ ip: st.hostIP }];
}

/** Validation of a pod create: metadata and the pod spec. */
export function validatePod(pod: Pod): FieldCause[] {
  return [...validateMeta(pod.metadata), ...validatePodSpec(pod.spec, 'spec')];
}

/** Validation of a pod update: as create, plus Kubernetes ValidatePodUpdate's spec immutability (podupdate.ts). */
export function validatePodUpdate(newPod: Pod, oldPod: Pod): FieldCause[] {
  return [...validatePod(newPod), ...validatePodSpecUpdate(newPod.spec, oldPod.spec)];
}

/** The pods resource definition. */
export function podsResource(): ResourceDef<Pod> {
  return {
    group: '', version: 'v1', resource: 'pods', kind: 'Pod', listKind: 'PodList', singular: 'pod',
    namespaced: true, shortNames: ['po'], categories: ['all'], verbs: standardVerbs,
    subresources: ['binding', 'eviction', 'log', 'status'], returnDeletedObject: true,
    strategy: {
      prepareForCreate(pod) {
        defaultPod(pod);
        (pod as { status?: Pod['status'] }).status = { phase: 'Pending', qosClass: qosClass(pod.spec) };
      },
      prepareForUpdate(newPod, oldPod) {
        defaultPod(newPod);
        keepStatus(newPod, oldPod);
      },
      prepareForStatusUpdate(newPod, oldPod) {
        keepSpec(newPod, oldPod);
        syncPodIPs(newPod);
      },
      validate: validatePod,
      validateUpdate: validatePodUpdate,
      selectableFields(pod) {
        return {
          'spec.nodeName': pod.spec?.nodeName ?? '',
          'spec.restartPolicy': pod.spec?.restartPolicy ?? '',
          'spec.schedulerName': pod.spec?.schedulerName ?? '',
          'spec.serviceAccountName': pod.spec?.serviceAccountName ?? '',
          'status.phase': pod.status?.phase ?? '',
          'status.podIP': pod.status?.podIP ?? '',
          'status.nominatedNodeName': pod.status?.nominatedNodeName ?? '',
        };
      },
    },
    table: {
      columns: [
        column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
        column('Status', 'The aggregate status of the containers in this pod.'),
        column('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
        column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
        column('IP', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', { priority: 1 }),
        column('Node', 'NodeName is a request to schedule this pod onto a specific node.', { priority: 1 }),
        column('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', { priority: 1 }),
        column('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', { priority: 1 }),
      ],
      cells: (pod, now) => podCells(pod, now, ageCell(pod, now)),
    },
  };
}
