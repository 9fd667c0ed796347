/**
 * ServiceAccount admission, as Kubernetes' plugin/pkg/admission/serviceaccount
 * (admission.go, Admit) for pod creates:
 * - a pod without spec.serviceAccountName gets `default`;
 * - the named ServiceAccount must exist: otherwise 403 `error looking up
 *   service account <ns>/<name>: serviceaccount "<name>" not found`;
 * - unless automountServiceAccountToken is false (the pod's wins, then the
 *   SA's), the projected volume `kube-api-access-<5 random>` (TokenVolumeSource:
 *   token with expirationSeconds 3607, ConfigMap kube-root-ca.crt ca.crt, the
 *   namespace via the downward API; defaultMode 0644) is added, and a
 *   read-only mount of it at /var/run/secrets/kubernetes.io/serviceaccount in
 *   every init container and container that has no mount at that path;
 * - pod imagePullSecrets default to the SA's.
 * Mirror pods (annotation kubernetes.io/config.mirror) are left alone.
 *
 * Skiff deviation: when the missing SA is `default` the pod is admitted and
 * mounted anyway. Kubernetes retries the live lookup of `default` ten times
 * (~1-2 s) because the ServiceAccount controller creates it asynchronously;
 * Skiff does not sleep on the write path, and the kubelet's TokenRequest
 * fails (and is retried) until the controller has created it.
 */
import type { Container, Pod, PodSpec, ServiceAccount, Volume, VolumeMount } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../../api/object.ts';
import { forbidden, type StatusError } from '../../api/errors.ts';
import { generatedName } from '../../api/meta.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './chain.ts';

/** The ServiceAccount a pod without one runs as. */
export const DEFAULT_SERVICE_ACCOUNT = 'default';
/** Prefix of the generated projected token volume's name. */
export const TOKEN_VOLUME_PREFIX = 'kube-api-access-';
/** Where every container sees token, ca.crt and namespace. */
export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Kubernetes' WarnOnlyBoundTokenExpirationSeconds: 1 h + 7 s, the lifetime the token volume asks for (seconds). */
export const TOKEN_EXPIRATION_SECONDS = 3607;
/** Annotation of kubelet mirror pods. */
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

/** The projected volume source of the API access volume (Kubernetes' TokenVolumeSource). */
export function tokenVolumeSource(): NonNullable<Volume['projected']> {
  return {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { path: 'token', expirationSeconds: TOKEN_EXPIRATION_SECONDS } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  };
}

/** Whether a token is mounted: the pod's automountServiceAccountToken, else the SA's, else true. */
export function shouldAutomount(sa: ServiceAccount | undefined, spec: PodSpec): boolean {
  if (spec.automountServiceAccountToken !== undefined) return spec.automountServiceAccountToken;
  if (sa?.automountServiceAccountToken !== undefined) return sa.automountServiceAccountToken;
  return true;
}

/**
 * Adds the token volume and mounts to `spec` in place (Kubernetes'
 * mountServiceAccountToken). Reuses an existing `kube-api-access-*` volume;
 * containers already mounting something at TOKEN_MOUNT_PATH are left as they
 * are; the volume is added only if some container got the mount.
 * `random` feeds the 5-character suffix (tests).
 */
export function mountServiceAccountToken(spec: PodSpec, random: () => number = Math.random): void {
  const existing = (spec.volumes ?? []).find(isTokenVolume);
  const name = existing?.name ?? generatedName(TOKEN_VOLUME_PREFIX, random);
  let needed = false;
  for (const c of spec.initContainers ?? []) needed = addTokenMount(c, name) || needed;
  for (const c of spec.containers ?? []) needed = addTokenMount(c, name) || needed;
  if (!existing && needed) spec.volumes = [...(spec.volumes ?? []), { name, projected: tokenVolumeSource() }];
}

// Module functions, not closures made per pod: under tsx each named closure also costs esbuild's __name (a defineProperty).

function isTokenVolume(v: Volume): boolean {
  return v.name.startsWith(TOKEN_VOLUME_PREFIX);
}

function mountsTokenPath(m: VolumeMount): boolean {
  return m.mountPath === TOKEN_MOUNT_PATH;
}

/** Adds the read-only mount of volume `name` at TOKEN_MOUNT_PATH to `c` unless it mounts something there; true if it added it. */
function addTokenMount(c: Container, name: string): boolean {
  if ((c.volumeMounts ?? []).some(mountsTokenPath)) return false;
  const mount: VolumeMount = { name, readOnly: true, mountPath: TOKEN_MOUNT_PATH };
  c.volumeMounts = [...(c.volumeMounts ?? []), mount];
  return true;
}

/**
 * The decision for one pod create, given its ServiceAccount (`sa`, undefined
 * when not found). Mutates `pod` (serviceAccountName, volumes, mounts,
 * imagePullSecrets) and returns undefined to admit, or the 403 to reject.
 * Pure apart from `random`.
 */
export function admitPodServiceAccount(pod: Pod, namespace: string, podName: string, sa: ServiceAccount | undefined, random: () => number = Math.random): StatusError | undefined {
  if (pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined) return undefined;
  const spec = (pod.spec ??= { containers: [] });
  if (!spec.serviceAccountName) spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT;
  const saName = spec.serviceAccountName;
  if (!sa && saName !== DEFAULT_SERVICE_ACCOUNT) {
    return forbidden({ group: '', resource: 'pods', name: podName },
      `error looking up service account ${namespace}/${saName}: serviceaccount "${saName}" not found`);
  }
  if (shouldAutomount(sa, spec)) mountServiceAccountToken(spec, random);
  if ((spec.imagePullSecrets ?? []).length === 0 && (sa?.imagePullSecrets ?? []).length > 0) {
    spec.imagePullSecrets = (sa?.imagePullSecrets ?? []).map((s) => ({ name: s.name }));
  }
  return undefined;
}

/** Reads the stored ServiceAccount `name` in `namespace`, or undefined. */
export type ServiceAccountGetter = (namespace: string, name: string) => Promise<KubeObject | undefined>;

const applies = (a: AdmissionAttributes): boolean =>
  a.operation === 'CREATE' && a.group === '' && a.resource === 'pods' && !a.subresource && !!a.namespace;

/** The plugin: for pod creates only, reads the pod's ServiceAccount and runs `admitPodServiceAccount`. */
export function serviceAccountAdmission(getServiceAccount: ServiceAccountGetter): AdmissionPlugin {
  return async (attrs) => {
    if (!applies(attrs)) return undefined;
    const pod = attrs.object as Pod;
    const ns = attrs.namespace ?? '';
    const saName = pod.spec?.serviceAccountName || DEFAULT_SERVICE_ACCOUNT;
    const sa = (await getServiceAccount(ns, saName)) as ServiceAccount | undefined;
    return admitPodServiceAccount(pod, ns, attrs.name || pod.metadata?.name || pod.metadata?.generateName || '', sa);
  };
}
