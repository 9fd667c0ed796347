/**
 * policy/v1 poddisruptionbudgets, as Kubernetes'
 * pkg/registry/policy/poddisruptionbudget/strategy.go and
 * pkg/apis/policy/validation: on create the status is reset (the disruption
 * controller fills it); spec updates bump the generation; the status
 * subresource keeps the spec. Validation: minAvailable and maxUnavailable
 * not both set, each a non-negative int or a percent ≤ 100%, the selector,
 * and unhealthyPodEvictionPolicy; status counts non-negative. The kubectl
 * table is kube's printPodDisruptionBudget.
 */
import type { PodDisruptionBudget, PodDisruptionBudgetSpec, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1';
import type { Condition } from 'kubernetes-types/meta/v1';
import type { FieldCause } from '../../api/errors.ts';
import type { ResourceDef } from '../types.ts';
import { invalidValue, required, unsupported, validateNonNegative } from '../../api/validation.ts';
import { ageCell, column, keepSpec, keepStatus, standardVerbs, validateMeta } from './common.ts';
import { validateLabelSelector } from './selector-validation.ts';

const percentRe = /^[0-9]+%$/;

/** The unhealthyPodEvictionPolicy values policy/v1 accepts. */
export const unhealthyPodEvictionPolicies = ['AlwaysAllow', 'IfHealthyBudget'];

/**
 * An int-or-percent that must be ≥ 0 and ≤ 100% (apps validation
 * ValidatePositiveIntOrPercent + IsNotMoreThan100Percent). Pure.
 */
export function validateIntOrPercent(field: string, v: number | string | undefined): FieldCause[] {
  if (v === undefined) return [];
  if (typeof v === 'number') return validateNonNegative(field, v);
  if (!percentRe.test(v)) {
    return [invalidValue(field, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
  }
  return parseInt(v, 10) > 100 ? [invalidValue(field, v, 'must not be greater than 100%')] : [];
}

/** Field errors of a PDB spec (Kubernetes ValidatePodDisruptionBudgetSpec). Pure. */
export function validatePdbSpec(spec: PodDisruptionBudgetSpec | undefined): FieldCause[] {
  if (!spec) return [];
  const out: FieldCause[] = [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    out.push(invalidValue('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  out.push(...validateIntOrPercent('spec.minAvailable', spec.minAvailable));
  out.push(...validateIntOrPercent('spec.maxUnavailable', spec.maxUnavailable));
  out.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && !unhealthyPodEvictionPolicies.includes(policy)) out.push(unsupported('spec.unhealthyPodEvictionPolicy', policy, unhealthyPodEvictionPolicies));
  return out;
}

const conditionStatuses = ['False', 'True', 'Unknown'];

function validateConditions(conds: Condition[] | undefined): FieldCause[] {
  const out: FieldCause[] = [];
  (conds ?? []).forEach((c, i) => {
    const at = `status.conditions[${i}]`;
    if (!c.type) out.push(required(`${at}.type`));
    if (!conditionStatuses.includes(c.status)) out.push(unsupported(`${at}.status`, c.status, conditionStatuses));
    if (!c.reason) out.push(required(`${at}.reason`));
    out.push(...validateNonNegative(`${at}.observedGeneration`, c.observedGeneration));
  });
  return out;
}

/** Field errors of a PDB status (Kubernetes ValidatePodDisruptionBudgetStatusUpdate): counts ≥ 0, conditions well formed. Pure. */
export function validatePdbStatus(status: PodDisruptionBudgetStatus | undefined): FieldCause[] {
  if (!status) return [];
  return [
    ...validateNonNegative('status.disruptionsAllowed', status.disruptionsAllowed),
    ...validateNonNegative('status.currentHealthy', status.currentHealthy),
    ...validateNonNegative('status.desiredHealthy', status.desiredHealthy),
    ...validateNonNegative('status.expectedPods', status.expectedPods),
    ...validateConditions(status.conditions),
  ];
}

/** Validation of a PDB write (create, update, status update). */
export function validatePdb(pdb: PodDisruptionBudget): FieldCause[] {
  return [...validateMeta(pdb.metadata), ...validatePdbSpec(pdb.spec), ...validatePdbStatus(pdb.status)];
}

/** The status a new PDB starts with (kube resets it to the zero value on create). */
function emptyStatus(): PodDisruptionBudgetStatus {
  return { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 };
}

/** An int-or-percent as kubectl prints it, or N/A when unset. */
function intOrPercentCell(v: number | string | undefined): string {
  return v === undefined ? 'N/A' : String(v);
}

/** The poddisruptionbudgets resource definition. */
export function podDisruptionBudgetsResource(): ResourceDef<PodDisruptionBudget> {
  return {
    group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', listKind: 'PodDisruptionBudgetList', singular: 'poddisruptionbudget',
    namespaced: true, shortNames: ['pdb'], categories: [], verbs: standardVerbs, subresources: ['status'],
    strategy: {
      bumpsGeneration: true,
      prepareForCreate(pdb) {
        pdb.status = emptyStatus();
      },
      prepareForUpdate: keepStatus,
      prepareForStatusUpdate: keepSpec,
      validate: validatePdb,
      validateUpdate: validatePdb,
    },
    table: {
      columns: [
        column('Min Available', 'The minimum number of pods that must be available.'),
        column('Max Unavailable', 'The maximum number of pods that may be unavailable.'),
        column('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', { type: 'integer' }),
        column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
      ],
      cells: (pdb, now) => [
        intOrPercentCell(pdb.spec?.minAvailable),
        intOrPercentCell(pdb.spec?.maxUnavailable),
        pdb.status?.disruptionsAllowed ?? 0,
        ageCell(pdb, now),
      ],
    },
  };
}
