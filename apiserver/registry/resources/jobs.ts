/**
 * batch/v1 jobs: defaults, the generated selector, validation and the
 * update rules, after Kubernetes pkg/apis/batch (v1/defaults.go
 * SetDefaults_Job, validation/validation.go ValidateJob/ValidateJobUpdate)
 * and pkg/registry/batch/job/strategy.go (generateSelector).
 *
 * Skiff serves completionMode NonIndexed only: `Indexed` (and with it
 * backoffLimitPerIndex, maxFailedIndexes, successPolicy) is refused as an
 * unsupported value, and so is podFailurePolicy. The pod template is
 * immutable after create (kube lets a suspended, never-started Job change
 * its scheduling directives; Skiff does not).
 */
import type { Job } from 'kubernetes-types/batch/v1';
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import { isDeepStrictEqual } from 'node:util';
import type { FieldCause } from '../../api/errors.ts';
import type { ResourceDef } from '../types.ts';
import { forbidden, invalidValue, required, unsupported, validateLabels, validateNonNegative } from '../../api/validation.ts';
import { selectorMatches } from '../../api/label-selector.ts';
import { keepSpec, keepStatus, standardVerbs, validateMeta } from './common.ts';
import { defaultPodSpec, validatePodSpec } from './podspec.ts';
import { jobTable } from './jobtable.ts';

/** The label that selects a Job's pods (kube batch.ControllerUidLabel). */
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
/** The label naming the Job on its pods (kube batch.JobNameLabel). */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
/** Legacy labels kube still writes next to the prefixed ones. */
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

/**
 * Applies Kubernetes' batch/v1 Job defaults in place (SetDefaults_Job):
 * completions and parallelism 1 when both are unset, else parallelism 1;
 * backoffLimit 6; completionMode NonIndexed; suspend false; podReplacementPolicy
 * TerminatingOrFailed; the pod template's defaults.
 */
export function defaultJob(job: Job): void {
  const spec = job.spec ?? (job.spec = { template: {} });
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= 'TerminatingOrFailed';
  if (spec.template?.spec) defaultPodSpec(spec.template.spec);
}

/**
 * The generated selector (kube's job strategy generateSelector): the
 * template gets `batch.kubernetes.io/controller-uid` and
 * `batch.kubernetes.io/job-name` plus the legacy `controller-uid` and
 * `job-name` (labels the user set are kept, so a conflict fails validation),
 * and the selector matches `batch.kubernetes.io/controller-uid=<uid>`.
 * Skipped when spec.manualSelector is true. Then, as SetDefaults_Job copies
 * them, the Job's own labels default to the template's.
 */
export function generateSelector(job: Job): void {
  const spec = job.spec ?? (job.spec = { template: {} });
  const name = job.metadata?.name ?? '';
  const uid = job.metadata?.uid ?? '';
  if (spec.manualSelector !== true) {
    const t = spec.template ?? (spec.template = {});
    const meta = t.metadata ?? (t.metadata = {});
    const labels = meta.labels ?? (meta.labels = {});
    labels[LEGACY_CONTROLLER_UID_LABEL] ??= uid;
    labels[CONTROLLER_UID_LABEL] ??= uid;
    labels[LEGACY_JOB_NAME_LABEL] ??= name;
    labels[JOB_NAME_LABEL] ??= name;
    const sel = spec.selector ?? (spec.selector = {});
    const ml = sel.matchLabels ?? (sel.matchLabels = {});
    ml[CONTROLLER_UID_LABEL] ??= uid;
  }
  const tl = spec.template?.metadata?.labels;
  // Wrongly typed metadata is the store's 422 (api/meta.ts); here it only must not throw.
  const meta: unknown = job.metadata;
  if (tl && typeof meta === 'object' && meta !== null && !Array.isArray(meta) && Object.keys(job.metadata?.labels ?? {}).length === 0) {
    (meta as NonNullable<Job['metadata']>).labels = { ...tl };
  }
}

/** The generated labels and selector must carry this Job's uid (kube validateGeneratedSelector). */
function validateGeneratedSelector(job: Job): FieldCause[] {
  const spec = job.spec;
  if (!spec || spec.manualSelector === true) return [];
  const labels = spec.template?.metadata?.labels;
  if (!labels) return [];
  const uid = job.metadata?.uid ?? '';
  const out: FieldCause[] = [];
  for (const key of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) {
    if (labels[key] !== uid) out.push(invalidValue(`spec.template.metadata.labels[${key}]`, labels[key] ?? '', `must be '${uid}'`));
  }
  const name = job.metadata?.name ?? '';
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) {
    if (name !== '' && labels[key] !== name) out.push(invalidValue(`spec.template.metadata.labels[${key}]`, labels[key] ?? '', `must be '${name}'`));
  }
  if (spec.selector && spec.selector.matchLabels?.[CONTROLLER_UID_LABEL] !== uid) {
    out.push(invalidValue('spec.selector', spec.selector, '`selector` not auto-generated'));
  }
  return out;
}

const restartPolicies = ['OnFailure', 'Never'];

/** Validation of a Job (create and update), as kube's ValidateJob with the NonIndexed-only limit above. */
export function validateJob(job: Job): FieldCause[] {
  const out = [...validateMeta(job.metadata)];
  const spec = job.spec;
  if (!spec) return [...out, required('spec')];
  out.push(...validateNonNegative('spec.parallelism', spec.parallelism));
  out.push(...validateNonNegative('spec.completions', spec.completions));
  out.push(...validateNonNegative('spec.activeDeadlineSeconds', spec.activeDeadlineSeconds));
  out.push(...validateNonNegative('spec.backoffLimit', spec.backoffLimit));
  out.push(...validateNonNegative('spec.ttlSecondsAfterFinished', spec.ttlSecondsAfterFinished));
  if (spec.completionMode !== undefined && spec.completionMode !== 'NonIndexed') {
    out.push(unsupported('spec.completionMode', spec.completionMode, ['NonIndexed']));
  }
  if (spec.podFailurePolicy !== undefined) out.push(forbidden('spec.podFailurePolicy', 'not supported by this server'));
  if (spec.successPolicy !== undefined) out.push(forbidden('spec.successPolicy', 'requires indexed completion mode'));
  const rpp = spec.podReplacementPolicy;
  if (rpp !== undefined && rpp !== 'TerminatingOrFailed' && rpp !== 'Failed') {
    out.push(unsupported('spec.podReplacementPolicy', rpp, ['Failed', 'TerminatingOrFailed']));
  }
  const sel = spec.selector;
  const t = spec.template;
  if (!sel) out.push(required('spec.selector'));
  if (!t) return [...out, required('spec.template')];
  const labels = t.metadata?.labels ?? {};
  out.push(...validateLabels('spec.template.metadata.labels', t.metadata?.labels));
  if (sel && !selectorMatches(sel, labels)) {
    out.push(invalidValue('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  out.push(...validateGeneratedSelector(job));
  out.push(...validatePodSpec(t.spec, 'spec.template.spec'));
  const rp = t.spec?.restartPolicy;
  if (rp === undefined || !restartPolicies.includes(rp)) out.push(unsupported('spec.template.spec.restartPolicy', rp ?? '', restartPolicies));
  return out;
}

function immutable(field: string, now: unknown, before: unknown): FieldCause[] {
  return isDeepStrictEqual(now ?? null, before ?? null) ? [] : [invalidValue(field, now ?? null, 'field is immutable')];
}

/** Update rules (kube ValidateJobSpecUpdate): selector, template, completions and completionMode are immutable. */
export function validateJobUpdate(job: Job, old: Job): FieldCause[] {
  const s = job.spec;
  const o = old.spec;
  return [
    ...validateJob(job),
    ...immutable('spec.selector', s?.selector as LabelSelector | undefined, o?.selector),
    ...immutable('spec.template', s?.template, o?.template),
    ...immutable('spec.completions', s?.completions, o?.completions),
    ...immutable('spec.completionMode', s?.completionMode, o?.completionMode),
  ];
}

/** The jobs resource definition (batch/v1, namespaced, status subresource). */
export function jobsResource(): ResourceDef<Job> {
  return {
    group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', listKind: 'JobList', singular: 'job',
    namespaced: true, shortNames: [], categories: ['all'], verbs: standardVerbs, subresources: ['status'],
    strategy: {
      bumpsGeneration: true,
      prepareForCreate(job) {
        defaultJob(job);
        generateSelector(job);
        delete (job as { status?: unknown }).status;
      },
      prepareForUpdate(job, old) {
        defaultJob(job);
        keepStatus(job, old);
      },
      prepareForStatusUpdate: keepSpec,
      validate: validateJob,
      validateUpdate: validateJobUpdate,
      selectableFields: (job) => ({ 'status.successful': String(job.status?.succeeded ?? 0) }),
    },
    table: jobTable,
  };
}
