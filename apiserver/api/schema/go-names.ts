/**
 * How kube-apiserver's JSON decoder (sigs.k8s.io/json, a fork of Go's
 * encoding/json) names things in its errors: the JSON kind of a value
 * (`object`, `array`, `string`, `number`, `bool`) and the Go type of a
 * field (`[]v1.Container`, `map[string]string`, `int32`), which appear in
 * `json: cannot unmarshal <kind> into Go struct field <Struct>.<path> of type <type>`.
 */
import type { Schema } from './types.ts';
import { refName } from './catalog.ts';

/** The JSON kind Go reports for a value (`number 2.5` is added by the caller for numbers that do not fit). */
export function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  return 'object';
}

/** `v1.Pod` for `io.k8s.api.core.v1.Pod`: Go's package name (the last path element) and the type. */
export function goTypeName(definition: string): string {
  const parts = definition.split('.');
  return `${parts[parts.length - 2] ?? ''}.${parts[parts.length - 1] ?? ''}`;
}

/** The Go struct name alone (`PodSpec`), as the decoder names the struct holding a field. */
export function goStructName(definition: string): string {
  return definition.slice(definition.lastIndexOf('.') + 1);
}

/**
 * The Go type of a (unresolved) property schema. Named map and string
 * types (`v1.ResourceList`, `v1.RestartPolicy`) are not in the schemas and
 * print as their underlying `map[string]…`/`string`.
 */
export function goType(s: Schema): string {
  if (s.$ref !== undefined) return goTypeName(refName(s.$ref));
  switch (s.type) {
    case 'array': return `[]${s.items ? goType(s.items) : 'interface {}'}`;
    case 'object': return s.additionalProperties ? `map[string]${goType(s.additionalProperties)}` : 'map[string]interface {}';
    case 'string': return s.format === 'byte' ? '[]uint8' : 'string';
    case 'integer': return s.format === 'int64' ? 'int64' : 'int32';
    case 'number': return 'float64';
    case 'boolean': return 'bool';
    default: return 'interface {}';
  }
}
