/**
 * Field management for the write path: what the generic store calls to
 * record metadata.managedFields on every write and to run server-side apply.
 * The pure pieces live beside this file (fieldpath, fieldsv1, values,
 * compare, merge, entries, conflicts, operations, options).
 */
import type { KubeObject } from '../object.ts';
import { badRequest, invalid, StatusError } from '../errors.ts';
import { rfc3339 } from '../time.ts';
import { validateEntries } from './entries.ts';
import { kindListTypes, type ListTypes } from './list-types.ts';
import { applyConfig, recordedEntries, type Writer } from './operations.ts';
import { managerFromUserAgent } from './options.ts';
import type { WriteMemo } from './memo.ts';

export { kindListTypes, schemaListTypes, type ListType, type ListTypes } from './list-types.ts';
export { WriteMemo, type WriteMemoLimits } from './memo.ts';
export { managerFromUserAgent, managerOrUserAgent, validateFieldManagerParams, invalidOptions, type OptionsKind, type FieldManagerParams } from './options.ts';

/** The field-manager part of a write's options (from the query string and headers). */
export interface FieldManagerOptions {
  /** The `fieldManager` query parameter. */
  fieldManager?: string;
  /** The User-Agent header ('' when absent), for the default manager; undefined only for the server's own writes. */
  userAgent?: string;
  /** `force=true` on an apply. */
  force?: boolean;
  /** The subresource the write came through when the store sees it as a main-resource write (e.g. 'scale'). */
  managedSubresource?: string;
  /** 'Apply' when the object was produced by applyToObject (its managedFields are already recorded). */
  operation?: 'Apply';
}

/** What the store knows about the write. `now` in ms since epoch. */
export interface WriteTarget {
  kind: string;
  group: string;
  apiVersion: string;
  subresource?: string;
  /** The resource has a status subresource (so main-resource writes own no status, and status writes no spec). */
  hasStatus?: boolean;
  now: number;
  /** List merge semantics; default: the memo's, else from the kind's built-in schema (kindListTypes). */
  listTypes?: ListTypes;
  /** The writer's store's memo (built for this kind with kindListTypes); without it everything is computed afresh. */
  memo?: WriteMemo;
}

/** The list semantics of the target's kind: the given lookup, else the memo's, else the kind's schema. */
function listTypesOf(t: WriteTarget): ListTypes {
  if (t.listTypes) return t.listTypes;
  if (t.memo) return t.memo.listTypes;
  const slash = t.apiVersion.lastIndexOf('/');
  return kindListTypes(t.group, t.apiVersion.slice(slash + 1), t.kind);
}

/** The manager of the server's own writes (bootstrap objects), which come with neither fieldManager nor a user agent. */
export const SERVER_MANAGER = 'skiff-apiserver';

function writer(o: FieldManagerOptions, t: WriteTarget): Writer {
  const subresource = o.managedSubresource ?? t.subresource ?? '';
  const reset = !t.hasStatus ? [] : subresource === 'status' ? [['f:spec']] : subresource === '' ? [['f:status']] : [];
  // managerOrUserAgent: the fieldManager parameter, else the user agent's program name.
  const manager = o.fieldManager === undefined && o.userAgent === undefined ? SERVER_MANAGER
    : o.fieldManager ? o.fieldManager
      : t.memo ? t.memo.managerFromUserAgent(o.userAgent) : managerFromUserAgent(o.userAgent);
  return { manager, apiVersion: t.apiVersion, subresource, now: t.memo ? t.memo.time(t.now) : rfc3339(t.now), reset };
}

/**
 * Sets `next.metadata.managedFields` (in place) for a create (`live`
 * undefined), update, patch or status write, as Kubernetes' field manager
 * does. For an apply (`o.operation` 'Apply') the managers were recorded by
 * applyToObject on `wanted` (the object before the store's update rules,
 * which on a status write rebuild `next` from `live`); they are carried over.
 * Throws a 422 Invalid StatusError when the resulting entries are invalid
 * (e.g. a client-sent entry with an unknown operation).
 */
export function stampManagedFields(live: KubeObject | undefined, next: KubeObject, o: FieldManagerOptions, t: WriteTarget, wanted: KubeObject = next): void {
  if (o.operation === 'Apply') {
    const meta = (next.metadata ??= {}) as { managedFields?: unknown };
    const applied = wanted.metadata?.managedFields;
    if (applied) meta.managedFields = applied;
    else delete meta.managedFields;
    return;
  }
  const entries = tooDeep(() => recordedEntries(live, next, writer(o, t), listTypesOf(t), t.memo));
  const meta = (next.metadata ??= {}) as { managedFields?: unknown };
  if (entries) meta.managedFields = entries;
  else delete meta.managedFields;
  const causes = validateEntries(entries ?? []);
  if (causes.length > 0) throw invalid(t.kind, t.group, next.metadata?.name ?? '', causes);
}

/**
 * Server-side apply of a decoded apply patch onto `live` (undefined: the
 * object does not exist and will be created). Returns the object to write,
 * with managedFields. Throws a StatusError: 400 for a config of the wrong
 * apiVersion/kind or with managedFields, 409 Conflict naming the managers of
 * conflicting fields (unless `o.force`).
 */
export function applyToObject(live: KubeObject | undefined, config: unknown, o: FieldManagerOptions, t: WriteTarget): KubeObject {
  const r = tooDeep(() => applyConfig(live, config, writer(o, t), { force: o.force === true, kind: t.kind }, listTypesOf(t)));
  if (r instanceof StatusError) throw r;
  return r;
}

/** Runs `f`, answering 400 instead of a crash when a hostile nesting depth exhausts the stack. */
function tooDeep<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError) throw badRequest('the object is nested too deeply to manage its fields');
    throw e;
  }
}
