/**
 * What every write of one store recomputes with the same answer: the list
 * type of each list path of its kind, the manager a user agent names, the
 * RFC 3339 text of the current second, and `f:<name>` path elements. A
 * WriteMemo is built by its owner (the registry store, one per resource) and
 * passed in WriteTarget; nothing here is process-wide. Every table is
 * bounded: when one is full it is emptied and refilled. Answers are the
 * same as without the memo.
 */
import { rfc3339 } from '../time.ts';
import { fieldPE, type PathElement } from './fieldpath.ts';
import type { ListType, ListTypes } from './list-types.ts';
import { managerFromUserAgent } from './options.ts';

/** Table sizes (entries); the defaults hold every path of a built-in kind and the user agents of a cluster's components. */
export interface WriteMemoLimits {
  /** List paths remembered (trie nodes). */
  listPaths?: number;
  /** User agents remembered. */
  userAgents?: number;
  /** Field names remembered as path elements. */
  fieldNames?: number;
}

/** One node of the list-path trie: the answer for the path ending here, if asked, and the longer paths. */
interface PathNode {
  lt?: ListType;
  next?: Map<string, PathNode>;
}

/** Field names longer than this are not remembered (a hostile free-form key would only fill the table). */
const MAX_REMEMBERED_NAME = 64;

/** A store's memo of field-manager inputs (see the file comment). Not safe to share between kinds: `listTypes` is one kind's. */
export class WriteMemo {
  /** `lts` of the construction, answering each path from memory after its first lookup. */
  readonly listTypes: ListTypes;
  private readonly lts: ListTypes;
  private readonly limits: Required<WriteMemoLimits>;
  private root: PathNode = {};
  private pathNodes = 0;
  private readonly managers = new Map<string, string>();
  private readonly pes = new Map<string, PathElement>();
  private second = Number.NaN;
  private secondText = '';

  /** Wraps the list-type lookup of the owner's kind. */
  constructor(lts: ListTypes, limits: WriteMemoLimits = {}) {
    this.lts = lts;
    this.limits = { listPaths: limits.listPaths ?? 4096, userAgents: limits.userAgents ?? 256, fieldNames: limits.fieldNames ?? 4096 };
    this.listTypes = (path) => this.listType(path);
  }

  /** The list type at `path` (field names from the root), as the wrapped lookup answers it. */
  listType(path: readonly string[]): ListType {
    let n: PathNode | undefined = this.root;
    for (let i = 0; i < path.length && n; i++) n = n.next?.get(path[i]);
    if (n?.lt) return n.lt;
    const lt = this.lts(path);
    if (this.pathNodes + path.length > this.limits.listPaths) {
      this.root = {};
      this.pathNodes = 0;
    }
    if (path.length <= this.limits.listPaths) {
      let at = this.root;
      for (const name of path) {
        at.next ??= new Map();
        let c = at.next.get(name);
        if (!c) {
          c = {};
          at.next.set(name, c);
          this.pathNodes++;
        }
        at = c;
      }
      at.lt = lt;
    }
    return lt;
  }

  /** managerFromUserAgent(userAgent): the user agent's program name. */
  managerFromUserAgent(userAgent: string | undefined): string {
    const ua = userAgent ?? '';
    const known = this.managers.get(ua);
    if (known !== undefined) return known;
    const m = managerFromUserAgent(ua);
    if (this.managers.size >= this.limits.userAgents) this.managers.clear();
    this.managers.set(ua, m);
    return m;
  }

  /** rfc3339(ms): meta/v1 Time of `ms` since epoch, second precision. */
  time(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.second) {
      this.secondText = rfc3339(ms);
      this.second = second;
    }
    return this.secondText;
  }

  /** fieldPE(name): `f:<name>`, the same string object for a name seen before. */
  fieldPE(name: string): PathElement {
    const known = this.pes.get(name);
    if (known !== undefined) return known;
    const pe = fieldPE(name);
    if (name.length <= MAX_REMEMBERED_NAME) {
      if (this.pes.size >= this.limits.fieldNames) this.pes.clear();
      this.pes.set(name, pe);
    }
    return pe;
  }
}
