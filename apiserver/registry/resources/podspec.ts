/**
 * Pod spec defaulting and validation shared by pods and by the pod templates
 * of deployments and replicasets (Kubernetes pkg/apis/core/v1/defaults.go and
 * pkg/apis/core/validation ValidatePodSpec, the parts kubectl users meet).
 */
import type { Container, PodSpec, Probe, Volume } from 'kubernetes-types/core/v1';
import type { FieldCause } from '../../api/errors.ts';
import {
  dns1123LabelErrors, duplicate, invalidValue, portNameErrors, required, unsupported,
  validateName, validatePortNumber, validateProtocol, validateNonNegative, validateInt, MAX_INT32,
} from '../../api/validation.ts';
import { tryParseQuantity } from '../../api/quantity.ts';
import { getOwn, setOwn } from '../../api/patch/json-value.ts';

/**
 * The tag Kubernetes finds in an image reference: the part after the last ':'
 * following the last '/', '' for a digest-only reference, 'latest' when
 * neither tag nor digest is given.
 */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const named = at >= 0 ? image.slice(0, at) : image;
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  if (colon > slash) return named.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

/** imagePullPolicy default: Always for ':latest' or untagged images, else IfNotPresent. */
export function defaultPullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  return imageTag(image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (p.httpGet) p.httpGet.scheme ??= 'HTTP';
}

/** Defaults one container in place (pull policy, termination message, port protocols, resources, probes). */
export function defaultContainer(c: Container): void {
  c.imagePullPolicy ??= defaultPullPolicy(c.image);
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  // Kubernetes copies limits into requests when requests leave them out.
  if (c.resources.limits) {
    for (const [k, v] of Object.entries(c.resources.limits)) {
      c.resources.requests ??= {};
      if (getOwn(c.resources.requests, k) === undefined) setOwn(c.resources.requests, k, v);
    }
  }
  for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  for (const e of c.env ?? []) if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ??= 'v1';
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
}

function defaultVolume(v: Volume): void {
  if (v.configMap) v.configMap.defaultMode ??= 420;
  if (v.secret) v.secret.defaultMode ??= 420;
  if (v.hostPath) v.hostPath.type ??= '';
}

/** Defaults a pod spec in place, as Kubernetes SetDefaults_PodSpec does for pods and templates. */
export function defaultPodSpec(spec: PodSpec): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const v of spec.volumes ?? []) defaultVolume(v);
}

/** `field: Not found: "x"` (reason FieldValueNotFound). */
function notFoundCause(field: string, value: string): FieldCause {
  return { reason: 'FieldValueNotFound', message: `Not found: ${JSON.stringify(value)}`, field };
}

/** The value of a quantity field as sent (a string, or a JSON number), or undefined when it is neither a finite number nor a quantity string. */
function quantityOf(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  return typeof q === 'string' ? tryParseQuantity(q) : undefined;
}

function validateResources(c: Container, path: string): FieldCause[] {
  const out: FieldCause[] = [];
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  for (const [kind, list] of [['requests', req], ['limits', lim]] as const) {
    for (const [name, q] of Object.entries(list)) {
      const n = quantityOf(q);
      const field = `${path}.resources.${kind}[${name}]`;
      if (n === undefined) out.push(invalidValue(field, String(q), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
      else if (n < 0) out.push(invalidValue(field, String(q), 'must be greater than or equal to 0'));
    }
  }
  for (const [name, r] of Object.entries(req)) {
    const l = lim[name];
    if (l === undefined) continue;
    const rn = quantityOf(r);
    const ln = quantityOf(l);
    if (rn !== undefined && ln !== undefined && rn > ln) out.push(invalidValue(`${path}.resources.requests`, String(r), `must be less than or equal to ${name} limit of ${String(l)}`));
  }
  return out;
}

function validateContainer(c: Container, path: string, names: Set<string>, volumes: Set<string>): FieldCause[] {
  const out: FieldCause[] = [];
  if (!c.name) out.push(required(`${path}.name`));
  else {
    out.push(...validateName(`${path}.name`, c.name, dns1123LabelErrors));
    if (names.has(c.name)) out.push(duplicate(`${path}.name`, c.name));
    names.add(c.name);
  }
  if (!c.image || c.image.trim() === '') out.push(required(`${path}.image`));
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((p, i) => {
    const pp = `${path}.ports[${i}]`;
    out.push(...validatePortNumber(`${pp}.containerPort`, p.containerPort));
    if (p.hostPort !== undefined && p.hostPort !== 0) out.push(...validatePortNumber(`${pp}.hostPort`, p.hostPort));
    out.push(...validateProtocol(`${pp}.protocol`, p.protocol));
    if (p.name !== undefined && p.name !== '') {
      for (const d of portNameErrors(p.name)) out.push(invalidValue(`${pp}.name`, p.name, d));
      if (portNames.has(p.name)) out.push(duplicate(`${pp}.name`, p.name));
      portNames.add(p.name);
    }
  });
  (c.volumeMounts ?? []).forEach((m, i) => {
    const mp = `${path}.volumeMounts[${i}]`;
    if (!m.name) out.push(required(`${mp}.name`));
    else if (!volumes.has(m.name)) out.push(notFoundCause(`${mp}.name`, m.name));
    if (!m.mountPath) out.push(required(`${mp}.mountPath`));
  });
  out.push(...validateResources(c, path));
  const pullPolicies = ['Always', 'IfNotPresent', 'Never'];
  if (c.imagePullPolicy === undefined) out.push(required(`${path}.imagePullPolicy`));
  else if (!pullPolicies.includes(c.imagePullPolicy)) out.push(unsupported(`${path}.imagePullPolicy`, c.imagePullPolicy, pullPolicies));
  return out;
}

/**
 * Validates a (defaulted) pod spec at `path` ('spec' or 'spec.template.spec'):
 * at least one container; each with a unique DNS-1123 label name and an
 * image; valid ports and protocols; supported restart and DNS policies.
 */
export function validatePodSpec(spec: PodSpec | undefined, path: string): FieldCause[] {
  if (!spec) return [required(path)];
  const out: FieldCause[] = [];
  const names = new Set<string>();
  const volumes = new Set((spec.volumes ?? []).map((v) => v.name));
  if (!spec.containers || spec.containers.length === 0) out.push(required(`${path}.containers`));
  (spec.initContainers ?? []).forEach((c, i) => out.push(...validateContainer(c, `${path}.initContainers[${i}]`, names, volumes)));
  (spec.containers ?? []).forEach((c, i) => out.push(...validateContainer(c, `${path}.containers[${i}]`, names, volumes)));
  const restart = ['Always', 'OnFailure', 'Never'];
  if (spec.restartPolicy !== undefined && !restart.includes(spec.restartPolicy)) out.push(unsupported(`${path}.restartPolicy`, spec.restartPolicy, restart));
  const dns = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];
  if (spec.dnsPolicy !== undefined && !dns.includes(spec.dnsPolicy)) out.push(unsupported(`${path}.dnsPolicy`, spec.dnsPolicy, dns));
  out.push(...validateNonNegative(`${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds));
  // Kubernetes ValidatePodSpec: InclusiveRangeError(1, math.MaxInt32).
  out.push(...validateInt(`${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, 64, 1, MAX_INT32));
  const volNames = new Set<string>();
  (spec.volumes ?? []).forEach((v, i) => {
    const f = `${path}.volumes[${i}].name`;
    if (!v.name) out.push(required(f));
    else {
      out.push(...validateName(f, v.name, dns1123LabelErrors));
      if (volNames.has(v.name)) out.push(duplicate(f, v.name));
      volNames.add(v.name);
    }
  });
  return out;
}
