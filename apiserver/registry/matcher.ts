/**
 * Object filtering for list and watch: label and field selectors, with the
 * fields a resource makes selectable (metadata.name, metadata.namespace and
 * strategy.selectableFields), as Kubernetes' storage.SelectionPredicate.
 */
import type { KubeObject } from '../api/object.ts';
import { matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from '../api/selectors.ts';
import type { ResourceDef } from './types.ts';

/** Query parameters that select objects. */
export interface SelectorOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

/** A predicate over stored objects. */
export type Matcher = (obj: KubeObject) => boolean;

/** The selectable field values of an object. */
export function fieldsOf(def: ResourceDef, obj: KubeObject): Record<string, string> {
  const base: Record<string, string> = { 'metadata.name': obj.metadata?.name ?? '' };
  if (def.namespaced) base['metadata.namespace'] = obj.metadata?.namespace ?? '';
  return { ...base, ...(def.strategy.selectableFields?.(obj) ?? {}) };
}

/** The field names a resource allows in fieldSelector, or undefined if unknown (then any is accepted). */
function allowedFields(def: ResourceDef): Set<string> | undefined {
  try {
    return new Set(Object.keys(fieldsOf(def, { metadata: {} })));
  } catch {
    return undefined;
  }
}

/** Builds the matcher for the given selectors; throws 400 on a bad selector. */
export function buildMatcher(def: ResourceDef, opts: SelectorOptions): Matcher {
  const labels = parseLabelSelector(opts.labelSelector);
  const fields = parseFieldSelector(opts.fieldSelector, opts.fieldSelector ? allowedFields(def) : undefined);
  if (labels.length === 0 && fields.length === 0) return () => true;
  return (obj) => matchLabels(labels, obj.metadata?.labels) && (fields.length === 0 || matchFields(fields, fieldsOf(def, obj)));
}
