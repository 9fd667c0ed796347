/**
 * Field tables for the Kubernetes types that kubectl (≥ 1.32) sends as
 * protobuf request bodies (`kubectl create deployment|job|namespace|configmap|
 * secret|service|poddisruptionbudget|ingress`, the RBAC kinds of `kubectl create role|…binding`, the authorization reviews of `kubectl auth can-i`, the CertificateSigningRequest of `kubectl certificate approve|deny`). Field numbers follow the types' generated.proto. Types
 * or fields not listed here make the decoder refuse the body (415) rather
 * than drop data.
 */

/** How one field's value is encoded. */
export type FieldKind =
  | 'string' | 'bytes' | 'int32' | 'int64' | 'bool'
  | 'time' | 'intstr' | 'quantity'
  /** meta/v1 FieldsV1: a message whose field 1 holds the JSON text, decoded to the JSON value. */
  | 'fieldsV1'
  | { message: string }
  | { map: 'string' | 'bytes' | 'quantity' };

/** One field of a message. `keepZero` marks Go pointer fields, where 0 or false is a real value. */
export interface FieldSpec {
  name: string;
  kind: FieldKind;
  repeated?: boolean;
  keepZero?: boolean;
  /** An embedded Go struct (`json:",inline"`, e.g. IngressRule's IngressRuleValue): its fields land in the parent object. */
  inline?: boolean;
}

const s = (name: string): FieldSpec => ({ name, kind: 'string' });
const ss = (name: string): FieldSpec => ({ name, kind: 'string', repeated: true });
const b = (name: string, keepZero = false): FieldSpec => ({ name, kind: 'bool', keepZero });
const i32 = (name: string, keepZero = false): FieldSpec => ({ name, kind: 'int32', keepZero });
const i64 = (name: string, keepZero = false): FieldSpec => ({ name, kind: 'int64', keepZero });
const msg = (name: string, type: string, repeated = false): FieldSpec => ({ name, kind: { message: type }, repeated });
const map = (name: string, value: 'string' | 'bytes' | 'quantity' = 'string'): FieldSpec => ({ name, kind: { map: value } });

/** Message name → field number → field. */
export const MESSAGES: Record<string, Record<number, FieldSpec>> = {
  ObjectMeta: {
    1: s('name'), 2: s('generateName'), 3: s('namespace'), 4: s('selfLink'), 5: s('uid'), 6: s('resourceVersion'),
    7: i64('generation'), 8: { name: 'creationTimestamp', kind: 'time' }, 9: { name: 'deletionTimestamp', kind: 'time' },
    10: i64('deletionGracePeriodSeconds', true), 11: map('labels'), 12: map('annotations'),
    13: msg('ownerReferences', 'OwnerReference', true), 14: ss('finalizers'), 17: msg('managedFields', 'ManagedFieldsEntry', true),
  },
  // kubectl ≥ 1.32 PUTs objects it read back (e.g. `certificate approve`), managedFields included.
  ManagedFieldsEntry: {
    1: s('manager'), 2: s('operation'), 3: s('apiVersion'), 4: { name: 'time', kind: 'time' }, 6: s('fieldsType'),
    7: { name: 'fieldsV1', kind: 'fieldsV1' }, 8: s('subresource'),
  },
  OwnerReference: { 5: s('apiVersion'), 1: s('kind'), 3: s('name'), 4: s('uid'), 6: b('controller', true), 7: b('blockOwnerDeletion', true) },
  LabelSelector: { 1: map('matchLabels'), 2: msg('matchExpressions', 'LabelSelectorRequirement', true) },
  LabelSelectorRequirement: { 1: s('key'), 2: s('operator'), 3: ss('values') },

  Namespace: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'NamespaceSpec'), 3: msg('status', 'NamespaceStatus') },
  NamespaceSpec: { 1: ss('finalizers') },
  NamespaceStatus: { 1: s('phase') },

  ConfigMap: { 1: msg('metadata', 'ObjectMeta'), 2: map('data'), 3: map('binaryData', 'bytes'), 4: b('immutable', true) },
  Secret: { 1: msg('metadata', 'ObjectMeta'), 2: map('data', 'bytes'), 3: s('type'), 4: map('stringData'), 5: b('immutable', true) },

  // rbac.authorization.k8s.io/v1 (kubectl create role|clusterrole|rolebinding|clusterrolebinding): k8s.io/api/rbac/v1/generated.proto.
  Role: { 1: msg('metadata', 'ObjectMeta'), 2: msg('rules', 'PolicyRule', true) },
  ClusterRole: { 1: msg('metadata', 'ObjectMeta'), 2: msg('rules', 'PolicyRule', true), 3: msg('aggregationRule', 'AggregationRule') },
  AggregationRule: { 1: msg('clusterRoleSelectors', 'LabelSelector', true) },
  PolicyRule: { 1: ss('verbs'), 2: ss('apiGroups'), 3: ss('resources'), 4: ss('resourceNames'), 5: ss('nonResourceURLs') },
  RoleBinding: { 1: msg('metadata', 'ObjectMeta'), 2: msg('subjects', 'Subject', true), 3: msg('roleRef', 'RoleRef') },
  ClusterRoleBinding: { 1: msg('metadata', 'ObjectMeta'), 2: msg('subjects', 'Subject', true), 3: msg('roleRef', 'RoleRef') },
  Subject: { 1: s('kind'), 2: s('apiGroup'), 3: s('name'), 4: s('namespace') },
  RoleRef: { 1: s('apiGroup'), 2: s('kind'), 3: s('name') },

  // authorization.k8s.io/v1 (kubectl auth can-i): field numbers from k8s.io/api/authorization/v1/generated.proto.
  SelfSubjectAccessReview: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'SelfSubjectAccessReviewSpec'), 3: msg('status', 'SubjectAccessReviewStatus') },
  SelfSubjectAccessReviewSpec: { 1: msg('resourceAttributes', 'ResourceAttributes'), 2: msg('nonResourceAttributes', 'NonResourceAttributes') },
  SubjectAccessReview: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'SubjectAccessReviewSpec'), 3: msg('status', 'SubjectAccessReviewStatus') },
  SubjectAccessReviewSpec: { 1: msg('resourceAttributes', 'ResourceAttributes'), 2: msg('nonResourceAttributes', 'NonResourceAttributes'), 3: s('user'), 4: ss('groups'), 6: s('uid') },
  ResourceAttributes: {
    1: s('namespace'), 2: s('verb'), 3: s('group'), 4: s('version'), 5: s('resource'), 6: s('subresource'), 7: s('name'),
    8: msg('fieldSelector', 'FieldSelectorAttributes'), 9: msg('labelSelector', 'LabelSelectorAttributes'),
  },
  FieldSelectorAttributes: { 1: s('rawSelector'), 2: msg('requirements', 'FieldSelectorRequirement', true) },
  FieldSelectorRequirement: { 1: s('key'), 2: s('operator'), 3: ss('values') },
  LabelSelectorAttributes: { 1: s('rawSelector'), 2: msg('requirements', 'LabelSelectorRequirement', true) },
  NonResourceAttributes: { 1: s('path'), 2: s('verb') },
  SubjectAccessReviewStatus: { 1: b('allowed'), 4: b('denied'), 2: s('reason'), 3: s('evaluationError') },
  SelfSubjectRulesReview: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'SelfSubjectRulesReviewSpec'), 3: msg('status', 'SubjectRulesReviewStatus') },
  SelfSubjectRulesReviewSpec: { 1: s('namespace') },
  SubjectRulesReviewStatus: { 1: msg('resourceRules', 'ResourceRule', true), 2: msg('nonResourceRules', 'NonResourceRule', true), 3: b('incomplete'), 4: s('evaluationError') },
  ResourceRule: { 1: ss('verbs'), 2: ss('apiGroups'), 3: ss('resources'), 4: ss('resourceNames') },
  NonResourceRule: { 1: ss('verbs'), 2: ss('nonResourceURLs') },

  Service: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'ServiceSpec'), 3: msg('status', 'ServiceStatus') },
  ServiceSpec: {
    1: msg('ports', 'ServicePort', true), 2: map('selector'), 3: s('clusterIP'), 18: ss('clusterIPs'), 4: s('type'),
    5: ss('externalIPs'), 7: s('sessionAffinity'), 8: s('loadBalancerIP'), 9: ss('loadBalancerSourceRanges'),
    10: s('externalName'), 11: s('externalTrafficPolicy'), 12: i32('healthCheckNodePort'), 13: b('publishNotReadyAddresses'),
    19: ss('ipFamilies'), 17: s('ipFamilyPolicy'), 20: b('allocateLoadBalancerNodePorts', true), 21: s('loadBalancerClass'),
    22: s('internalTrafficPolicy'),
  },
  ServicePort: { 1: s('name'), 2: s('protocol'), 6: s('appProtocol'), 3: i32('port'), 4: { name: 'targetPort', kind: 'intstr' }, 5: i32('nodePort') },
  ServiceStatus: { 1: msg('loadBalancer', 'LoadBalancerStatus') },
  LoadBalancerStatus: {},

  Deployment: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'DeploymentSpec'), 3: msg('status', 'DeploymentStatus') },
  DeploymentSpec: {
    1: i32('replicas', true), 2: msg('selector', 'LabelSelector'), 3: msg('template', 'PodTemplateSpec'), 4: msg('strategy', 'DeploymentStrategy'),
    5: i32('minReadySeconds'), 6: i32('revisionHistoryLimit', true), 7: b('paused'), 9: i32('progressDeadlineSeconds', true),
  },
  DeploymentStrategy: { 1: s('type'), 2: msg('rollingUpdate', 'RollingUpdateDeployment') },
  RollingUpdateDeployment: { 1: { name: 'maxUnavailable', kind: 'intstr' }, 2: { name: 'maxSurge', kind: 'intstr' } },
  DeploymentStatus: {
    1: i64('observedGeneration'), 2: i32('replicas'), 3: i32('updatedReplicas'), 7: i32('readyReplicas'),
    4: i32('availableReplicas'), 5: i32('unavailableReplicas'), 8: i32('collisionCount', true),
  },

  // batch/v1 (kubectl create job): k8s.io/api/batch/v1/generated.proto. podFailurePolicy (11), successPolicy (16),
  // uncountedTerminatedPods (8) and the index fields are left out: such a body is refused.
  Job: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'JobSpec'), 3: msg('status', 'JobStatus') },
  JobSpec: {
    1: i32('parallelism', true), 2: i32('completions', true), 3: i64('activeDeadlineSeconds', true), 7: i32('backoffLimit', true),
    4: msg('selector', 'LabelSelector'), 5: b('manualSelector', true), 6: msg('template', 'PodTemplateSpec'), 8: i32('ttlSecondsAfterFinished', true),
    9: s('completionMode'), 10: b('suspend', true), 14: s('podReplacementPolicy'), 15: s('managedBy'),
  },
  JobStatus: {
    1: msg('conditions', 'JobCondition', true), 2: { name: 'startTime', kind: 'time' }, 3: { name: 'completionTime', kind: 'time' },
    4: i32('active'), 5: i32('succeeded'), 6: i32('failed'), 11: i32('terminating', true), 9: i32('ready', true), 7: s('completedIndexes'), 10: s('failedIndexes'),
  },
  JobCondition: {
    1: s('type'), 2: s('status'), 3: { name: 'lastProbeTime', kind: 'time' }, 4: { name: 'lastTransitionTime', kind: 'time' }, 5: s('reason'), 6: s('message'),
  },

  PodTemplateSpec: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'PodSpec') },
  PodSpec: {
    2: msg('containers', 'Container', true), 20: msg('initContainers', 'Container', true), 3: s('restartPolicy'),
    4: i64('terminationGracePeriodSeconds', true), 5: i64('activeDeadlineSeconds', true), 6: s('dnsPolicy'), 7: map('nodeSelector'),
    8: s('serviceAccountName'), 9: s('serviceAccount'), 21: b('automountServiceAccountToken', true), 10: s('nodeName'),
    11: b('hostNetwork'), 12: b('hostPID'), 13: b('hostIPC'), 16: s('hostname'), 17: s('subdomain'), 19: s('schedulerName'),
    24: s('priorityClassName'), 25: i32('priority', true), 29: s('runtimeClassName'), 30: b('enableServiceLinks', true), 31: s('preemptionPolicy'),
  },
  Container: {
    1: s('name'), 2: s('image'), 3: ss('command'), 4: ss('args'), 5: s('workingDir'), 6: msg('ports', 'ContainerPort', true),
    7: msg('env', 'EnvVar', true), 8: msg('resources', 'ResourceRequirements'), 9: msg('volumeMounts', 'VolumeMount', true),
    13: s('terminationMessagePath'), 20: s('terminationMessagePolicy'), 14: s('imagePullPolicy'), 24: s('restartPolicy'),
    16: b('stdin'), 17: b('stdinOnce'), 18: b('tty'),
  },
  ContainerPort: { 1: s('name'), 2: i32('hostPort'), 3: i32('containerPort'), 4: s('protocol'), 5: s('hostIP') },
  EnvVar: { 1: s('name'), 2: s('value') },
  ResourceRequirements: { 1: map('limits', 'quantity'), 2: map('requests', 'quantity') },
  VolumeMount: { 1: s('name'), 2: b('readOnly'), 3: s('mountPath'), 4: s('subPath'), 5: s('mountPropagation'), 6: s('subPathExpr') },

  ServiceAccount: { 1: msg('metadata', 'ObjectMeta'), 2: msg('secrets', 'ObjectReference', true), 3: msg('imagePullSecrets', 'LocalObjectReference', true), 4: b('automountServiceAccountToken', true) },
  ObjectReference: { 1: s('kind'), 2: s('namespace'), 3: s('name'), 4: s('uid'), 5: s('apiVersion'), 6: s('resourceVersion'), 7: s('fieldPath') },
  LocalObjectReference: { 1: s('name') },
  // authentication.k8s.io/v1 (kubectl create token, kubectl create -f of a TokenReview).
  TokenRequest: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'TokenRequestSpec'), 3: msg('status', 'TokenRequestStatus') },
  TokenRequestStatus: { 1: s('token'), 2: { name: 'expirationTimestamp', kind: 'time' } },
  TokenRequestSpec: { 1: ss('audiences'), 4: i64('expirationSeconds', true), 3: msg('boundObjectRef', 'BoundObjectReference') },
  BoundObjectReference: { 1: s('kind'), 2: s('apiVersion'), 3: s('name'), 4: s('uid') },
  TokenReview: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'TokenReviewSpec'), 3: msg('status', 'TokenReviewStatus') },
  TokenReviewStatus: { 1: b('authenticated'), 2: msg('user', 'UserInfo'), 3: s('error'), 4: ss('audiences') },
  UserInfo: { 1: s('username'), 2: s('uid'), 3: ss('groups') },
  TokenReviewSpec: { 1: s('token'), 2: ss('audiences') },

  // networking.k8s.io/v1 (kubectl create ingress): k8s.io/api/networking/v1/generated.proto; TypedLocalObjectReference is core/v1's.
  Ingress: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'IngressSpec'), 3: msg('status', 'IngressStatus') },
  IngressSpec: { 4: s('ingressClassName'), 1: msg('defaultBackend', 'IngressBackend'), 2: msg('tls', 'IngressTLS', true), 3: msg('rules', 'IngressRule', true) },
  IngressBackend: { 4: msg('service', 'IngressServiceBackend'), 3: msg('resource', 'TypedLocalObjectReference') },
  IngressServiceBackend: { 1: s('name'), 2: msg('port', 'ServiceBackendPort') },
  ServiceBackendPort: { 1: s('name'), 2: i32('number') },
  TypedLocalObjectReference: { 1: s('apiGroup'), 2: s('kind'), 3: s('name') },
  IngressTLS: { 1: ss('hosts'), 2: s('secretName') },
  IngressRule: { 1: s('host'), 2: { name: 'ingressRuleValue', kind: { message: 'IngressRuleValue' }, inline: true } },
  IngressRuleValue: { 1: msg('http', 'HTTPIngressRuleValue') },
  HTTPIngressRuleValue: { 1: msg('paths', 'HTTPIngressPath', true) },
  HTTPIngressPath: { 1: s('path'), 3: s('pathType'), 2: msg('backend', 'IngressBackend') },
  IngressStatus: { 1: msg('loadBalancer', 'IngressLoadBalancerStatus') },
  IngressLoadBalancerStatus: { 1: msg('ingress', 'IngressLoadBalancerIngress', true) },
  IngressLoadBalancerIngress: { 1: s('ip'), 2: s('hostname'), 4: msg('ports', 'IngressPortStatus', true) },
  IngressPortStatus: { 1: i32('port'), 2: s('protocol'), 3: s('error') },

  // policy/v1 (kubectl create poddisruptionbudget): k8s.io/api/policy/v1/generated.proto. The status's
  // disruptedPods (2, map of Time) and conditions (7) are left out: a create never carries them, so such a body is refused.
  PodDisruptionBudget: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'PodDisruptionBudgetSpec'), 3: msg('status', 'PodDisruptionBudgetStatus') },
  PodDisruptionBudgetSpec: {
    1: { name: 'minAvailable', kind: 'intstr' }, 2: msg('selector', 'LabelSelector'), 3: { name: 'maxUnavailable', kind: 'intstr' }, 4: s('unhealthyPodEvictionPolicy'),
  },
  PodDisruptionBudgetStatus: { 1: i64('observedGeneration'), 3: i32('disruptionsAllowed'), 4: i32('currentHealthy'), 5: i32('desiredHealthy'), 6: i32('expectedPods') },
  // certificates.k8s.io/v1 (kubectl certificate approve|deny PUTs the whole object to …/approval); spec.extra is not listed (refused).
  CertificateSigningRequest: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'CertificateSigningRequestSpec'), 3: msg('status', 'CertificateSigningRequestStatus') },
  CertificateSigningRequestSpec: { 1: { name: 'request', kind: 'bytes' }, 7: s('signerName'), 8: i32('expirationSeconds', true), 5: ss('usages'), 2: s('username'), 3: s('uid'), 4: ss('groups') },
  CertificateSigningRequestStatus: { 1: msg('conditions', 'CertificateSigningRequestCondition', true), 2: { name: 'certificate', kind: 'bytes' } },
  CertificateSigningRequestCondition: {
    1: s('type'), 6: s('status'), 2: s('reason'), 3: s('message'), 4: { name: 'lastUpdateTime', kind: 'time' }, 5: { name: 'lastTransitionTime', kind: 'time' },
  },
};

/** apiVersion/kind → top-level message name, for the kinds kubectl sends as protobuf. */
export const TOP_LEVEL: Record<string, string> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/Service': 'Service',
  'v1/ServiceAccount': 'ServiceAccount',
  'authentication.k8s.io/v1/TokenRequest': 'TokenRequest',
  'authentication.k8s.io/v1/TokenReview': 'TokenReview',
  'apps/v1/Deployment': 'Deployment',
  'batch/v1/Job': 'Job',
  'rbac.authorization.k8s.io/v1/Role': 'Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'ClusterRoleBinding',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SubjectAccessReview': 'SubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'SelfSubjectRulesReview',
  'policy/v1/PodDisruptionBudget': 'PodDisruptionBudget',
  'networking.k8s.io/v1/Ingress': 'Ingress',
  'certificates.k8s.io/v1/CertificateSigningRequest': 'CertificateSigningRequest',
};
