/**
 * core/v1 secrets: `type` defaulting to Opaque, `stringData` folded into
 * `data` as base64 and dropped (as the Kubernetes conversion does),
 * ValidateSecret's key and 1 MiB rules, the immutable `type` and the
 * `immutable` lock on update, and the kubectl table (TYPE, DATA).
 */
import type { Secret } from 'kubernetes-types/core/v1';
import type { FieldCause } from '../../api/errors.ts';
import type { ResourceDef } from '../types.ts';
import { setOwn } from '../../api/patch/json-value.ts';
import { invalidValue, tooLong } from '../../api/validation.ts';
import { ageCell, ageColumn, column, standardVerbs, validateMeta } from './common.ts';
import { base64Bytes, immutableCauses, keyCauses, maxDataBytes, stringMapError, undecodable } from './configdata.ts';

/**
 * Create/update defaulting of a Secret, in place: throws Kubernetes' 400
 * decode error when data is not valid base64 or stringData not a string map;
 * merges stringData into data (stringData wins, values UTF-8 encoded to
 * base64) and removes it; `type` defaults to 'Opaque'.
 */
export function prepareSecret(s: Secret): void {
  const why = stringMapError(s.data, 'Secret.data', true) ?? stringMapError(s.stringData, 'Secret.stringData', false);
  if (why !== undefined) throw undecodable('Secret', why);
  const extra = s.stringData ?? {};
  if (Object.keys(extra).length > 0) {
    const data = s.data ?? (s.data = {});
    for (const [k, v] of Object.entries(extra)) setOwn(data, k, Buffer.from(v, 'utf8').toString('base64'));
  }
  delete s.stringData;
  if (!s.type) s.type = 'Opaque';
}

/** Validation of a Secret (Kubernetes ValidateSecret, without the per-type key rules): name, data keys, 1 MiB of decoded data. */
export function validateSecret(s: Secret): FieldCause[] {
  const out = validateMeta(s.metadata);
  out.push(...keyCauses('data', s.data));
  let size = 0;
  for (const v of Object.values(s.data ?? {})) size += base64Bytes(v);
  if (size > maxDataBytes) out.push(tooLong('data', maxDataBytes));
  return out;
}

/** Update validation (Kubernetes ValidateSecretUpdate): `type` is immutable; nothing changes once `immutable` is true; then as create. */
export function validateSecretUpdate(next: Secret, old: Secret): FieldCause[] {
  const out: FieldCause[] = [];
  if ((next.type ?? '') !== (old.type ?? '')) out.push(invalidValue('type', next.type ?? '', 'field is immutable'));
  out.push(...immutableCauses(next, old, [['data', next.data, old.data]]));
  out.push(...validateSecret(next));
  return out;
}

/** The secrets resource definition. */
export function secretsResource(): ResourceDef<Secret> {
  return {
    group: '', version: 'v1', resource: 'secrets', kind: 'Secret', listKind: 'SecretList', singular: 'secret',
    namespaced: true, shortNames: [], categories: [], verbs: standardVerbs, subresources: [],
    strategy: {
      prepareForCreate: prepareSecret,
      prepareForUpdate: (s) => prepareSecret(s),
      validate: validateSecret,
      validateUpdate: validateSecretUpdate,
      selectableFields: (s) => ({ type: s.type ?? '' }),
    },
    table: {
      columns: [
        column('Type', 'The kind of secret, e.g. Opaque or kubernetes.io/tls.'),
        column('Data', 'Number of keys in data.', { type: 'integer' }),
        ageColumn,
      ],
      cells: (s, now) => [s.type ?? '', Object.keys(s.data ?? {}).length, ageCell(s, now)],
    },
  };
}
