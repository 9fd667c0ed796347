/**
 * core/v1 configmaps: Kubernetes' ValidateConfigMap (keys, no key in both
 * data and binaryData, 1 MiB total), the `immutable` lock on update, and the
 * kubectl table (DATA = number of keys).
 */
import type { ConfigMap } from 'kubernetes-types/core/v1';
import type { FieldCause } from '../../api/errors.ts';
import type { ResourceDef } from '../types.ts';
import { invalidValue, tooLong } from '../../api/validation.ts';
import { ageCell, ageColumn, column, standardVerbs, validateMeta } from './common.ts';
import { base64Bytes, immutableCauses, keyCauses, maxDataBytes, stringMapError, undecodable } from './configdata.ts';

/** Throws Kubernetes' 400 decode error when data is not a string map or binaryData holds bad base64. */
export function checkConfigMapDecodes(cm: ConfigMap): void {
  const why = stringMapError(cm.data, 'ConfigMap.data', false) ?? stringMapError(cm.binaryData, 'ConfigMap.binaryData', true);
  if (why !== undefined) throw undecodable('ConfigMap', why);
}

/**
 * Validation of a ConfigMap (Kubernetes ValidateConfigMap): DNS-1123
 * subdomain name; every data/binaryData key a valid config key and in only
 * one of the two maps; the values together at most 1 MiB (UTF-8 bytes of
 * data plus decoded bytes of binaryData).
 */
export function validateConfigMap(cm: ConfigMap): FieldCause[] {
  const out = validateMeta(cm.metadata);
  const data = cm.data ?? {};
  const binary = cm.binaryData ?? {};
  let size = 0;
  out.push(...keyCauses('data', data));
  for (const [k, v] of Object.entries(data)) {
    if (Object.hasOwn(binary, k)) out.push(invalidValue(`data[${k}]`, k, 'duplicate of key present in binaryData'));
    size += Buffer.byteLength(v, 'utf8');
  }
  out.push(...keyCauses('binaryData', binary));
  for (const [k, v] of Object.entries(binary)) {
    if (Object.hasOwn(data, k)) out.push(invalidValue(`binaryData[${k}]`, k, 'duplicate of key present in data'));
    size += base64Bytes(v);
  }
  if (size > maxDataBytes) out.push(tooLong('', maxDataBytes));
  return out;
}

/** Update validation (Kubernetes ValidateConfigMapUpdate): as create, and nothing changes once `immutable` is true. */
export function validateConfigMapUpdate(next: ConfigMap, old: ConfigMap): FieldCause[] {
  return [
    ...immutableCauses(next, old, [['data', next.data, old.data], ['binaryData', next.binaryData, old.binaryData]]),
    ...validateConfigMap(next),
  ];
}

/** DATA cell: keys in data plus keys in binaryData. */
export function configMapDataCount(cm: ConfigMap): number {
  return Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length;
}

/** The configmaps resource definition. */
export function configMapsResource(): ResourceDef<ConfigMap> {
  return {
    group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', listKind: 'ConfigMapList', singular: 'configmap',
    namespaced: true, shortNames: ['cm'], categories: [], verbs: standardVerbs, subresources: [],
    strategy: {
      prepareForCreate: checkConfigMapDecodes,
      prepareForUpdate: (cm) => checkConfigMapDecodes(cm),
      validate: validateConfigMap,
      validateUpdate: validateConfigMapUpdate,
    },
    table: {
      columns: [
        column('Data', 'Number of keys in data and binaryData.', { type: 'integer' }),
        ageColumn,
      ],
      cells: (cm, now) => [configMapDataCount(cm), ageCell(cm, now)],
    },
  };
}
