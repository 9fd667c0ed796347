/**
 * core/v1 serviceaccounts: Kubernetes' ValidateServiceAccount (a DNS-1123
 * subdomain name; secret references named), the kubectl table (SECRETS =
 * number of referenced Secrets, AGE), and the `token` subresource (the
 * TokenRequest API, served by auth/authn/token-request-route.ts).
 */
import type { ServiceAccount } from 'kubernetes-types/core/v1';
import type { FieldCause } from '../../api/errors.ts';
import { required } from '../../api/validation.ts';
import type { ResourceDef } from '../types.ts';
import { ageCell, ageColumn, column, standardVerbs, validateMeta } from './common.ts';

/** Validation of a ServiceAccount: metadata, and every secrets[i] / imagePullSecrets[i] names its object. */
export function validateServiceAccount(sa: ServiceAccount): FieldCause[] {
  const out = validateMeta(sa.metadata);
  (sa.secrets ?? []).forEach((s, i) => { if (!s?.name) out.push(required(`secrets[${i}].name`)); });
  (sa.imagePullSecrets ?? []).forEach((s, i) => { if (!s?.name) out.push(required(`imagePullSecrets[${i}].name`)); });
  return out;
}

/** The serviceaccounts resource definition. */
export function serviceAccountsResource(): ResourceDef<ServiceAccount> {
  return {
    group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', listKind: 'ServiceAccountList', singular: 'serviceaccount',
    namespaced: true, shortNames: ['sa'], categories: [], verbs: standardVerbs, subresources: ['token'],
    strategy: {
      validate: validateServiceAccount,
      validateUpdate: (next) => validateServiceAccount(next),
    },
    table: {
      columns: [
        column('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.', { type: 'integer' }),
        ageColumn,
      ],
      cells: (sa, now) => [(sa.secrets ?? []).length, ageCell(sa, now)],
    },
  };
}
