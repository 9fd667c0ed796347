/**
 * The shape each served kind's strategy and table rely on (see shape.ts),
 * with Kubernetes' field types (int32 where the Go type is int32, int64
 * where it is int64). Only fields the strategies read are described; the
 * schema check covers the rest.
 */
import { list, map, obj, type Shape } from './shape.ts';
import { ingressClassShape, ingressShape } from './ingress-shapes.ts';

const strings = list('string');
const stringMap = map('string');

const selector = obj({
  matchLabels: stringMap,
  matchExpressions: list(obj({ key: 'string', operator: 'string', values: strings })),
});

const probe = obj({
  httpGet: obj({ path: 'string', port: 'intstr', scheme: 'string', host: 'string' }),
  tcpSocket: obj({ port: 'intstr', host: 'string' }),
  exec: obj({ command: strings }),
  initialDelaySeconds: 'int32', timeoutSeconds: 'int32', periodSeconds: 'int32', successThreshold: 'int32', failureThreshold: 'int32',
  terminationGracePeriodSeconds: 'int64',
});

const container = obj({
  name: 'string', image: 'string', command: strings, args: strings, workingDir: 'string', imagePullPolicy: 'string',
  terminationMessagePath: 'string', terminationMessagePolicy: 'string', restartPolicy: 'string',
  stdin: 'bool', stdinOnce: 'bool', tty: 'bool',
  ports: list(obj({ name: 'string', containerPort: 'int32', hostPort: 'int32', protocol: 'string', hostIP: 'string' })),
  env: list(obj({
    name: 'string', value: 'string',
    valueFrom: obj({ fieldRef: obj({ apiVersion: 'string', fieldPath: 'string' }), configMapKeyRef: obj({ name: 'string', key: 'string' }), secretKeyRef: obj({ name: 'string', key: 'string' }) }),
  })),
  resources: obj({ limits: map('quantity'), requests: map('quantity') }),
  volumeMounts: list(obj({ name: 'string', mountPath: 'string', readOnly: 'bool', subPath: 'string' })),
  livenessProbe: probe, readinessProbe: probe, startupProbe: probe,
});

const volume = obj({
  name: 'string',
  configMap: obj({ name: 'string', defaultMode: 'int32', optional: 'bool' }),
  secret: obj({ secretName: 'string', defaultMode: 'int32', optional: 'bool' }),
  hostPath: obj({ path: 'string', type: 'string' }),
  emptyDir: obj({ medium: 'string', sizeLimit: 'quantity' }),
});

/** core/v1 PodSpec, as far as defaulting, validation, the update rules and the table read it. */
export const podSpec: Shape = obj({
  containers: list(container), initContainers: list(container), volumes: list(volume),
  restartPolicy: 'string', dnsPolicy: 'string', schedulerName: 'string', nodeName: 'string', serviceAccountName: 'string',
  priorityClassName: 'string', hostname: 'string', subdomain: 'string', runtimeClassName: 'string', preemptionPolicy: 'string',
  terminationGracePeriodSeconds: 'int64', activeDeadlineSeconds: 'int64', priority: 'int32',
  enableServiceLinks: 'bool', hostNetwork: 'bool', hostPID: 'bool', hostIPC: 'bool', automountServiceAccountToken: 'bool',
  nodeSelector: stringMap, securityContext: obj({}),
  tolerations: list(obj({ key: 'string', operator: 'string', value: 'string', effect: 'string', tolerationSeconds: 'int64' })),
  schedulingGates: list(obj({ name: 'string' })),
  readinessGates: list(obj({ conditionType: 'string' })),
  imagePullSecrets: list(obj({ name: 'string' })),
});

const condition = obj({ type: 'string', status: 'string', reason: 'string', message: 'string', lastTransitionTime: 'string' });

const containerStatus = obj({
  name: 'string', ready: 'bool', started: 'bool', restartCount: 'int32', image: 'string', imageID: 'string', containerID: 'string',
  state: obj({
    waiting: obj({ reason: 'string', message: 'string' }),
    running: obj({ startedAt: 'string' }),
    terminated: obj({ exitCode: 'int32', signal: 'int32', reason: 'string', message: 'string', startedAt: 'string', finishedAt: 'string' }),
  }),
  lastState: obj({
    terminated: obj({ exitCode: 'int32', signal: 'int32', reason: 'string', finishedAt: 'string', startedAt: 'string' }),
  }),
});

const templateShape = obj({ metadata: obj({ labels: stringMap, annotations: stringMap }), spec: podSpec });

const workloadStatus = obj({
  replicas: 'int32', readyReplicas: 'int32', availableReplicas: 'int32', updatedReplicas: 'int32', unavailableReplicas: 'int32',
  fullyLabeledReplicas: 'int32', observedGeneration: 'int64', collisionCount: 'int32', conditions: list(condition),
});

const eventTime = 'string';

/** rbac/v1 PolicyRule and the parts of a binding. */
const policyRule = obj({ verbs: strings, apiGroups: strings, resources: strings, resourceNames: strings, nonResourceURLs: strings });
const binding = obj({
  subjects: list(obj({ kind: 'string', apiGroup: 'string', name: 'string', namespace: 'string' })),
  roleRef: obj({ apiGroup: 'string', kind: 'string', name: 'string' }),
});

/** Resource (plural) → the shape of its objects. */
export const shapes: Record<string, Shape> = {
  pods: obj({
    spec: podSpec,
    status: obj({
      phase: 'string', reason: 'string', message: 'string', podIP: 'string', hostIP: 'string', nominatedNodeName: 'string', qosClass: 'string',
      podIPs: list(obj({ ip: 'string' })), hostIPs: list(obj({ ip: 'string' })), startTime: 'string',
      conditions: list(condition), containerStatuses: list(containerStatus), initContainerStatuses: list(containerStatus),
    }),
  }),
  deployments: obj({
    spec: obj({
      replicas: 'int32', minReadySeconds: 'int32', revisionHistoryLimit: 'int32', progressDeadlineSeconds: 'int32', paused: 'bool',
      selector, template: templateShape,
      strategy: obj({ type: 'string', rollingUpdate: obj({ maxUnavailable: 'intstr', maxSurge: 'intstr' }) }),
    }),
    status: workloadStatus,
  }),
  replicasets: obj({
    spec: obj({ replicas: 'int32', minReadySeconds: 'int32', selector, template: templateShape }),
    status: workloadStatus,
  }),
  jobs: obj({
    spec: obj({
      parallelism: 'int32', completions: 'int32', activeDeadlineSeconds: 'int64', backoffLimit: 'int32', ttlSecondsAfterFinished: 'int32',
      completionMode: 'string', suspend: 'bool', manualSelector: 'bool', podReplacementPolicy: 'string', selector, template: templateShape,
    }),
    status: obj({
      active: 'int32', succeeded: 'int32', failed: 'int32', ready: 'int32', terminating: 'int32', startTime: 'string', completionTime: 'string',
      conditions: list(obj({ type: 'string', status: 'string', reason: 'string', message: 'string', lastTransitionTime: 'string', lastProbeTime: 'string' })),
    }),
  }),
  services: obj({
    spec: obj({
      type: 'string', clusterIP: 'string', clusterIPs: strings, externalIPs: strings, externalName: 'string', selector: stringMap,
      sessionAffinity: 'string', externalTrafficPolicy: 'string', internalTrafficPolicy: 'string', ipFamilies: strings, ipFamilyPolicy: 'string',
      allocateLoadBalancerNodePorts: 'bool', publishNotReadyAddresses: 'bool', healthCheckNodePort: 'int32', loadBalancerIP: 'string',
      ports: list(obj({ name: 'string', protocol: 'string', appProtocol: 'string', port: 'int32', targetPort: 'intstr', nodePort: 'int32' })),
    }),
    status: obj({ loadBalancer: obj({ ingress: list(obj({ ip: 'string', hostname: 'string' })) }) }),
  }),
  nodes: obj({
    spec: obj({ podCIDR: 'string', podCIDRs: strings, unschedulable: 'bool', providerID: 'string', taints: list(obj({ key: 'string', value: 'string', effect: 'string' })) }),
    status: obj({
      conditions: list(condition), addresses: list(obj({ type: 'string', address: 'string' })),
      nodeInfo: obj({ kubeletVersion: 'string', osImage: 'string', kernelVersion: 'string', containerRuntimeVersion: 'string', architecture: 'string', operatingSystem: 'string' }),
      capacity: map('quantity'), allocatable: map('quantity'),
    }),
  }),
  namespaces: obj({ spec: obj({ finalizers: strings }), status: obj({ phase: 'string', conditions: list(condition) }) }),
  configmaps: obj({ data: stringMap, binaryData: stringMap, immutable: 'bool' }),
  secrets: obj({ type: 'string', data: stringMap, stringData: stringMap, immutable: 'bool' }),
  serviceaccounts: obj({
    secrets: list(obj({ kind: 'string', namespace: 'string', name: 'string', uid: 'string', apiVersion: 'string', resourceVersion: 'string', fieldPath: 'string' })),
    imagePullSecrets: list(obj({ name: 'string' })), automountServiceAccountToken: 'bool',
  }),
  events: obj({
    involvedObject: obj({ kind: 'string', name: 'string', namespace: 'string', uid: 'string', apiVersion: 'string', resourceVersion: 'string', fieldPath: 'string' }),
    reason: 'string', message: 'string', type: 'string', action: 'string', count: 'int32', reportingComponent: 'string', reportingInstance: 'string',
    firstTimestamp: eventTime, lastTimestamp: eventTime, eventTime,
    source: obj({ component: 'string', host: 'string' }),
    series: obj({ count: 'int32', lastObservedTime: 'string' }),
  }),
  endpoints: obj({
    subsets: list(obj({
      addresses: list(obj({ ip: 'string', hostname: 'string', nodeName: 'string' })),
      notReadyAddresses: list(obj({ ip: 'string', hostname: 'string', nodeName: 'string' })),
      ports: list(obj({ name: 'string', port: 'int32', protocol: 'string' })),
    })),
  }),
  endpointslices: obj({
    addressType: 'string',
    endpoints: list(obj({ addresses: strings, conditions: obj({ ready: 'bool', serving: 'bool', terminating: 'bool' }), nodeName: 'string', hostname: 'string' })),
    ports: list(obj({ name: 'string', port: 'int32', protocol: 'string', appProtocol: 'string' })),
  }),
  leases: obj({
    spec: obj({ holderIdentity: 'string', leaseDurationSeconds: 'int32', leaseTransitions: 'int32', acquireTime: 'string', renewTime: 'string' }),
  }),
  poddisruptionbudgets: obj({
    spec: obj({ minAvailable: 'intstr', maxUnavailable: 'intstr', selector, unhealthyPodEvictionPolicy: 'string' }),
    status: obj({
      observedGeneration: 'int64', disruptedPods: stringMap, disruptionsAllowed: 'int32', currentHealthy: 'int32', desiredHealthy: 'int32', expectedPods: 'int32',
      conditions: list(obj({ type: 'string', status: 'string', reason: 'string', message: 'string', lastTransitionTime: 'string', observedGeneration: 'int64' })),
    }),
  }),
  componentstatuses: obj({ conditions: list(condition) }),
  roles: obj({ rules: list(policyRule) }),
  clusterroles: obj({ rules: list(policyRule), aggregationRule: obj({ clusterRoleSelectors: list(selector) }) }),
  rolebindings: binding,
  clusterrolebindings: binding,
  ingresses: ingressShape,
  ingressclasses: ingressClassShape,
};
