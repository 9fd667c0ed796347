/**
 * The shape of one schema in Skiff's generated definitions: the subset of
 * OpenAPI v2 / JSON Schema that Kubernetes publishes for its built-in types
 * (k8s.io/kube-openapi `spec.Schema`), plus the Kubernetes vendor extensions
 * that strategic merge patch and server-side apply read.
 */

/** A group/version/kind, as in `x-kubernetes-group-version-kind` ('' group for core). */
export interface SchemaGVK {
  group: string;
  version: string;
  kind: string;
}

/**
 * One definition or property schema. Exactly one of `$ref`, or `type` (with
 * `properties`/`additionalProperties`/`items`), is normally set. An object with
 * neither `properties` nor `additionalProperties` is free-form (FieldsV1,
 * RawExtension): its content is kept as sent.
 */
export interface Schema {
  /** `#/definitions/<name>` (the generated file and OpenAPI v2 form). */
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  /** int32, int64, double, byte, date-time, int-or-string. */
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  /** Map values (Go `map[string]T`). */
  additionalProperties?: Schema;
  items?: Schema;
  required?: string[];
  'x-kubernetes-group-version-kind'?: SchemaGVK[];
  /** The field list elements are merged by in a strategic merge patch (Go tag `patchMergeKey`). */
  'x-kubernetes-patch-merge-key'?: string;
  /** `merge`, `retainKeys` or `merge,retainKeys` (Go tag `patchStrategy`). */
  'x-kubernetes-patch-strategy'?: string;
  /** `atomic`, `set` or `map` (`+listType`). */
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  /** Key fields of a `map` list (`+listMapKey`). */
  'x-kubernetes-list-map-keys'?: string[];
}

/** The generated file: every definition by its Kubernetes OpenAPI name (`io.k8s.api.core.v1.Pod`). */
export interface Definitions {
  /** Package versions the file was generated from. */
  generatedFrom: Record<string, string>;
  definitions: Record<string, Schema>;
}

/** The `$ref` prefix used in the generated file. */
export const refPrefix = '#/definitions/';
