/**
 * apps/v1 deployments and replicasets: defaults (replicas, rolling update
 * strategy, history limit, progress deadline, pod template defaults),
 * validation (selector required, non-empty, matching the template labels,
 * immutable), status preservation and the kubectl tables.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1';
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import { isDeepStrictEqual } from 'node:util';
import type { FieldCause } from '../../api/errors.ts';
import type { ResourceDef, TableColumn } from '../types.ts';
import {
  invalidValue, required, unsupported, validateLabels, validateNonNegative,
} from '../../api/validation.ts';
import { ageCell, column, keepSpec, keepStatus, standardVerbs, validateMeta } from './common.ts';
import { defaultPodSpec, validatePodSpec } from './podspec.ts';
import { formatLabelSelector, selectorIsEmpty, selectorMatches } from '../../api/label-selector.ts';

function defaultTemplate(t: PodTemplateSpec | undefined): void {
  if (!t) return;
  if (t.spec) defaultPodSpec(t.spec);
}

/** Applies Kubernetes' apps/v1 Deployment defaults in place. */
export function defaultDeployment(d: Deployment): void {
  const spec = d.spec ?? (d.spec = { selector: {}, template: {} });
  spec.replicas ??= 1;
  spec.strategy ??= {};
  spec.strategy.type ??= 'RollingUpdate';
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate ??= {};
    spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
    spec.strategy.rollingUpdate.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultTemplate(spec.template);
}

/** Applies Kubernetes' apps/v1 ReplicaSet defaults in place. */
export function defaultReplicaSet(rs: ReplicaSet): void {
  const spec = rs.spec ?? (rs.spec = { selector: {} });
  spec.replicas ??= 1;
  defaultTemplate(spec.template);
}

interface WorkloadSpec {
  replicas?: number;
  selector?: LabelSelector;
  template?: PodTemplateSpec;
  minReadySeconds?: number;
}

function validateWorkloadSpec(spec: WorkloadSpec | undefined, what: string): FieldCause[] {
  if (!spec) return [required('spec')];
  const out: FieldCause[] = [];
  out.push(...validateNonNegative('spec.replicas', spec.replicas));
  out.push(...validateNonNegative('spec.minReadySeconds', spec.minReadySeconds));
  const sel = spec.selector;
  if (!sel) out.push(required('spec.selector'));
  else if (selectorIsEmpty(sel)) out.push(invalidValue('spec.selector', sel, `empty selector is invalid for ${what}`));
  const t = spec.template;
  if (!t) {
    out.push(required('spec.template'));
    return out;
  }
  const labels = t.metadata?.labels ?? {};
  out.push(...validateLabels('spec.template.metadata.labels', t.metadata?.labels));
  if (sel && !selectorIsEmpty(sel) && !selectorMatches(sel, labels)) {
    out.push(invalidValue('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  out.push(...validatePodSpec(t.spec, 'spec.template.spec'));
  const rp = t.spec?.restartPolicy;
  if (rp !== undefined && rp !== 'Always') out.push(unsupported('spec.template.spec.restartPolicy', rp, ['Always']));
  return out;
}

function selectorImmutable(newSel: LabelSelector | undefined, oldSel: LabelSelector | undefined): FieldCause[] {
  if (isDeepStrictEqual(newSel ?? {}, oldSel ?? {})) return [];
  return [invalidValue('spec.selector', newSel ?? null, 'field is immutable')];
}

const percentRe = /^[0-9]+%$/;

function intOrPercent(field: string, v: number | string | undefined): { causes: FieldCause[]; zero: boolean } {
  if (v === undefined) return { causes: [], zero: false };
  if (typeof v === 'number') return { causes: validateNonNegative(field, v), zero: v === 0 };
  if (!percentRe.test(v)) {
    return { causes: [invalidValue(field, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")], zero: false };
  }
  return { causes: [], zero: parseInt(v, 10) === 0 };
}

/** RollingUpdate parameters: int or percent, maxUnavailable ≤ 100%, not both zero (Kubernetes ValidateRollingUpdateDeployment). */
export function validateRollingUpdate(ru: { maxUnavailable?: number | string; maxSurge?: number | string } | undefined): FieldCause[] {
  if (!ru) return [];
  const base = 'spec.strategy.rollingUpdate';
  const mu = intOrPercent(`${base}.maxUnavailable`, ru.maxUnavailable);
  const ms = intOrPercent(`${base}.maxSurge`, ru.maxSurge);
  const out = [...mu.causes, ...ms.causes];
  if (typeof ru.maxUnavailable === 'string' && percentRe.test(ru.maxUnavailable) && parseInt(ru.maxUnavailable, 10) > 100) {
    out.push(invalidValue(`${base}.maxUnavailable`, ru.maxUnavailable, 'must not be greater than 100%'));
  }
  if (mu.zero && ms.zero) out.push(invalidValue(`${base}.maxUnavailable`, ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
  return out;
}

/** Validation of a Deployment (create). */
export function validateDeployment(d: Deployment): FieldCause[] {
  const out = [...validateMeta(d.metadata), ...validateWorkloadSpec(d.spec, 'deployment')];
  const st = d.spec?.strategy;
  const types = ['Recreate', 'RollingUpdate'];
  if (st?.type !== undefined && !types.includes(st.type)) out.push(unsupported('spec.strategy.type', st.type, types));
  if (st?.type === 'Recreate' && st.rollingUpdate) {
    out.push({ reason: 'FieldValueForbidden', message: 'Forbidden: may not be specified when strategy `type` is \'Recreate\'', field: 'spec.strategy.rollingUpdate' });
  }
  if (st?.type === 'RollingUpdate') out.push(...validateRollingUpdate(st.rollingUpdate));
  out.push(...validateNonNegative('spec.revisionHistoryLimit', d.spec?.revisionHistoryLimit));
  // Kubernetes ValidateDeploymentSpec: progressDeadlineSeconds ≥ 0 and > minReadySeconds.
  const pds = d.spec?.progressDeadlineSeconds;
  if (pds !== undefined) {
    out.push(...validateNonNegative('spec.progressDeadlineSeconds', pds));
    if (pds <= (d.spec?.minReadySeconds ?? 0)) out.push(invalidValue('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return out;
}

/** Validation of a ReplicaSet (create). */
export function validateReplicaSet(rs: ReplicaSet): FieldCause[] {
  return [...validateMeta(rs.metadata), ...validateWorkloadSpec(rs.spec, 'replicaset')];
}

const containerColumns: TableColumn[] = [
  column('Containers', 'Names of each container in the template.', { priority: 1 }),
  column('Images', 'Images referenced by each container in the template.', { priority: 1 }),
  column('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', { priority: 1 }),
];

function containerCells(t: PodTemplateSpec | undefined, sel: LabelSelector | undefined): string[] {
  const cs = t?.spec?.containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(','), formatLabelSelector(sel)];
}

/** The deployments resource definition. */
export function deploymentsResource(): ResourceDef<Deployment> {
  return {
    group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', listKind: 'DeploymentList', singular: 'deployment',
    namespaced: true, shortNames: ['deploy'], categories: ['all'], verbs: standardVerbs, subresources: ['scale', 'status'],
    strategy: {
      bumpsGeneration: true,
      prepareForCreate(d) {
        defaultDeployment(d);
        delete (d as { status?: unknown }).status;
      },
      prepareForUpdate(d, old) {
        defaultDeployment(d);
        keepStatus(d, old);
      },
      prepareForStatusUpdate: keepSpec,
      validate: validateDeployment,
      validateUpdate: (d, old) => [...validateDeployment(d), ...selectorImmutable(d.spec?.selector, old.spec?.selector)],
    },
    table: {
      columns: [
        column('Ready', 'Number of the pod with ready state'),
        column('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', { type: 'integer' }),
        column('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', { type: 'integer' }),
        column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
        ...containerColumns,
      ],
      cells: (d, now) => [
        `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
        d.status?.updatedReplicas ?? 0,
        d.status?.availableReplicas ?? 0,
        ageCell(d, now),
        ...containerCells(d.spec?.template, d.spec?.selector),
      ],
    },
  };
}

/** The replicasets resource definition. */
export function replicaSetsResource(): ResourceDef<ReplicaSet> {
  return {
    group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', listKind: 'ReplicaSetList', singular: 'replicaset',
    namespaced: true, shortNames: ['rs'], categories: ['all'], verbs: standardVerbs, subresources: ['scale', 'status'],
    strategy: {
      bumpsGeneration: true,
      prepareForCreate(rs) {
        defaultReplicaSet(rs);
        delete (rs as { status?: unknown }).status;
      },
      prepareForUpdate(rs, old) {
        defaultReplicaSet(rs);
        keepStatus(rs, old);
      },
      prepareForStatusUpdate: keepSpec,
      validate: validateReplicaSet,
      validateUpdate: (rs, old) => [...validateReplicaSet(rs), ...selectorImmutable(rs.spec?.selector, old.spec?.selector)],
      selectableFields: (rs) => ({ 'status.replicas': String(rs.status?.replicas ?? 0) }),
    },
    table: {
      columns: [
        column('Desired', 'Replicas is the number of desired replicas.', { type: 'integer' }),
        column('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
        column('Ready', 'The number of ready replicas for this replica set.', { type: 'integer' }),
        column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
        ...containerColumns,
      ],
      cells: (rs, now) => [
        rs.spec?.replicas ?? 0,
        rs.status?.replicas ?? 0,
        rs.status?.readyReplicas ?? 0,
        ageCell(rs, now),
        ...containerCells(rs.spec?.template, rs.spec?.selector),
      ],
    },
  };
}
