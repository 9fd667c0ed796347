/**
 * Lists answered as JSON text built from the stored values, without
 * re-encoding every object: kube-apiserver's etcd3 store likewise hands the
 * stored bytes to the response encoder, and its watch cache keeps each
 * object's serialization. Taken when the list is read in one go (no continue
 * token, no resourceVersionMatch=Exact) from a storage with listText
 * (EtcdStorage, or a Cacher over it, whose lists the cache serves as kube's
 * would). Unfiltered lists send the stored text untouched; a list from etcd
 * with label or field selectors and no limit parses each stored value only
 * to match it and still sends the stored text of the matches (no
 * JSON.stringify of the whole list). Everything else goes through
 * ResourceStore.list.
 */
import { parseFieldSelector, parseLabelSelector } from '../api/selectors.ts';
import type { KubeList, KubeObject } from '../api/object.ts';
import type { Storage, TextListResult } from '../storage/interface.ts';
import { isCacher } from '../storage/cacher.ts';
import { cachedListText, listFromCache } from './cached-reads.ts';
import { encodeContinue } from './continue.ts';
import { buildMatcher } from './matcher.ts';
import type { ListParams, ResourceStore } from './store.ts';

const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');

/**
 * True when `params` select every object (empty or absent selectors) and the
 * list is read in one go (no continue token, no resourceVersionMatch=Exact).
 * Pure; false for an unparsable selector (the object path answers its 400).
 */
export function textListApplies(params: ListParams): boolean {
  if (params.continue || params.exact) return false;
  try {
    return parseLabelSelector(params.labelSelector).length === 0 && parseFieldSelector(params.fieldSelector).length === 0;
  } catch {
    return false; // ResourceStore.list answers the 400
  }
}

/**
 * True when `params` have a selector and the list is read from etcd in one
 * go: no continue token, no resourceVersionMatch=Exact, no limit (a limit
 * counts matches across pages, which ResourceStore.list does), and not
 * served by the watch cache (`cached`: the storage is a Cacher; its objects
 * are matched without a parse). Pure; false for an unparsable selector.
 */
export function filteredTextListApplies(params: ListParams, cached: boolean): boolean {
  if (params.continue || params.exact || (params.limit ?? 0) > 0 || textListApplies(params)) return false;
  if (cached && listFromCache(params)) return false;
  try {
    parseLabelSelector(params.labelSelector);
    parseFieldSelector(params.fieldSelector);
    return true;
  } catch {
    return false;
  }
}

/**
 * The list's JSON text as UTF-8 bytes: `{"apiVersion","kind","metadata":{resourceVersion,
 * continue?},"items":[…]}` with the items' stored text (or, when the watch
 * cache serves the list, each cached object's text, serialized once), the
 * same document JSON.stringify(await store.list(namespace, params)) gives
 * up to key order. Undefined when textListApplies says no or the storage
 * has no listText. `storage` is the store's own (read only here). Errors as
 * ResourceStore.list (Status errors from mapError).
 */
export async function listAsText(store: ResourceStore, storage: Storage, namespace: string | undefined, params: ListParams): Promise<Buffer | undefined> {
  if (!storage.listText) return undefined;
  const filtered = filteredTextListApplies(params, isCacher(storage));
  if (!filtered && !textListApplies(params)) return undefined;
  const prefix = store.prefix(namespace);
  const cached = filtered ? undefined : await cachedListText(storage, prefix, params);
  const limit = params.limit && params.limit > 0 ? params.limit : 0;
  const read: TextListResult = cached ?? (await storage.listText(prefix, { limit }).catch((e: unknown) => store.mapError(e)));
  const page = filtered ? { ...read, items: matching(read.items, buildMatcher(store.def, params)) } : read;
  const metadata: KubeList<KubeObject>['metadata'] = { resourceVersion: page.revision };
  if (page.nextKey) metadata.continue = encodeContinue({ rv: page.revision, start: page.nextKey });
  const head = JSON.stringify({ apiVersion: store.apiVersion, kind: store.def.listKind, metadata });
  const parts: Buffer[] = [Buffer.from(`${head.slice(0, -1)},"items":[`)];
  page.items.forEach((item, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(item);
  });
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

/** The items of `texts` (stored JSON, resourceVersion stamped) whose parsed object `match` accepts, as the same bytes. */
function matching(texts: Buffer[], match: (obj: KubeObject) => boolean): Buffer[] {
  return texts.filter((t) => match(JSON.parse(t.toString()) as KubeObject));
}
