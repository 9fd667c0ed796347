/**
 * Validation of a metav1.LabelSelector, as Kubernetes'
 * apimachinery/pkg/apis/meta/v1/validation ValidateLabelSelector and
 * ValidateLabelSelectorRequirement word it: matchLabels as labels, each
 * requirement's operator one of In/NotIn/Exists/DoesNotExist with values
 * required for the first two and forbidden for the others, the key a
 * qualified name and every value a label value.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import type { FieldCause } from '../../api/errors.ts';
import { forbidden, invalidValue, labelValueErrors, qualifiedNameErrors, required, validateLabels } from '../../api/validation.ts';

/** Field errors of `sel` at `field` (e.g. 'spec.selector'); [] for an undefined selector. Pure. */
export function validateLabelSelector(sel: LabelSelector | undefined, field: string): FieldCause[] {
  if (!sel) return [];
  const out = validateLabels(`${field}.matchLabels`, sel.matchLabels);
  (sel.matchExpressions ?? []).forEach((r, i) => {
    const at = `${field}.matchExpressions[${i}]`;
    const values = r.values ?? [];
    switch (r.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) out.push(required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) out.push(forbidden(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        out.push(invalidValue(`${at}.operator`, r.operator, 'not a valid selector operator'));
    }
    for (const d of qualifiedNameErrors(r.key ?? '')) out.push(invalidValue(`${at}.key`, r.key, d));
    values.forEach((v, j) => {
      for (const d of labelValueErrors(v)) out.push(invalidValue(`${at}.values[${j}]`, v, d));
    });
  });
  return out;
}
