/**
 * The contract between the generic store / REST routes (apiserver core) and
 * the per-resource definitions (apiserver/registry/resources/*.ts). Modelled on
 * the Kubernetes generic registry: one store, per-resource strategies.
 */
import type { KubeObject } from '../api/object.ts';
import type { FieldCause, StatusError } from '../api/errors.ts';
import type { UserInfo } from '../api/user.ts';

/** What a strategy hook may need from the server. */
export interface StrategyContext {
  /** Read a stored object (undefined if absent). */
  get(resource: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /** Server configuration a strategy may need. */
  config: { serviceCIDR: string };
  /**
   * Atomically claims `/registry/<key>` (txn on mod_revision == 0), e.g.
   * 'serviceips/10.96.0.10'. Resolves false if already claimed.
   */
  reserve(key: string, value: string): Promise<boolean>;
  /** Releases a key claimed by `reserve` (no error if absent). */
  release(key: string): Promise<void>;
  /** Lists the keys claimed under a prefix, e.g. 'serviceips/'. */
  reserved(prefix: string): Promise<string[]>;
}

/** A rollback returned by a hook that wrote something outside the object. */
export type Undo = () => Promise<void>;

export interface Strategy<T extends KubeObject = KubeObject> {
  /**
   * Defaulting on create (mutates obj). uid/creationTimestamp/generation/resourceVersion are set by the store.
   * `user` is the requester when the route knows it (CSRs record it in spec.username/groups, as kube's csrStrategy).
   */
  prepareForCreate?(obj: T, user?: UserInfo): void;
  /** Defaulting on update (mutates newObj); e.g. keep status from old on main-resource update. */
  prepareForUpdate?(newObj: T, oldObj: T): void;
  /** Same, for a PUT/PATCH to the status subresource: keep spec from old. */
  prepareForStatusUpdate?(newObj: T, oldObj: T): void;
  validate?(obj: T): FieldCause[];
  validateUpdate?(newObj: T, oldObj: T): FieldCause[];
  /** Side effects before the create txn (e.g. ClusterIP allocation). Return an undo used if the create fails. */
  beforeCreate?(obj: T, ctx: StrategyContext): Promise<Undo | void>;
  /** Side effects after a successful delete (e.g. release the ClusterIP). */
  afterDelete?(obj: T, ctx: StrategyContext): Promise<void>;
  /**
   * Side effects before an update txn, after prepareForUpdate and validation
   * (e.g. allocate node ports when a Service becomes NodePort). Return an undo
   * used if the update fails.
   */
  beforeUpdate?(newObj: T, oldObj: T, ctx: StrategyContext): Promise<Undo | void>;
  /** Side effects after a successful update (e.g. release what the old object held and the new one no longer does). */
  afterUpdate?(newObj: T, oldObj: T, ctx: StrategyContext): Promise<void>;
  /** Field values used by fieldSelector, beyond metadata.name/metadata.namespace. */
  selectableFields?(obj: T): Record<string, string>;
  /** Whether spec changes bump metadata.generation (true for pods? no: deployments, replicasets). */
  bumpsGeneration?: boolean;
}

/**
 * A subresource that writes with its own rules instead of the resource's
 * update strategy (Kubernetes' BindingREST for pods/binding, the finalize
 * strategy of namespaces/finalize). The store still applies the metadata
 * rules, admission, the txn and finalization.
 */
export interface SubresourceStrategy<T extends KubeObject = KubeObject> {
  /** Admission operation; Kubernetes admits pods/binding as a CREATE. Default 'UPDATE'. */
  operation?: 'CREATE' | 'UPDATE';
  /** Turns the wanted object into the one to store (in place); the stored object is `oldObj`. */
  prepareForUpdate?(newObj: T, oldObj: T): void;
  /** Rejects the write with a StatusError (e.g. 409 pod already bound), or undefined to let it through. */
  validateUpdate(newObj: T, oldObj: T): StatusError | undefined;
  /** Leave metadata.managedFields as stored (kube's BindingREST writes storage directly: no field manager entry). */
  keepManagedFields?: boolean;
}

/** A column of the server-side Table (meta.k8s.io/v1 TableColumnDefinition). */
export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  /** 0 for default columns, 1 for `-o wide` only. */
  priority: number;
}

export interface TableConvertor<T extends KubeObject = KubeObject> {
  columns: TableColumn[];
  /** Cell values for one object, one per column, in order. `now` in ms since epoch. */
  cells(obj: T, now: number): unknown[];
  /**
   * When true the Table has no leading Name column (Kubernetes' events table
   * starts with "Last Seen" and shows Name only as a wide column).
   */
  omitNameColumn?: boolean;
}

/** Everything the server needs to serve one resource. */
export interface ResourceDef<T extends KubeObject = KubeObject> {
  group: string;
  version: string;
  resource: string;
  kind: string;
  listKind: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** Served subresources, e.g. ['status', 'scale', 'binding', 'log']. */
  subresources: string[];
  strategy: Strategy<T>;
  table: TableConvertor<T>;
  /** Not stored in etcd (e.g. componentstatuses): the core mounts no generic routes for it. */
  virtual?: boolean;
  /**
   * A DELETE that removes the object at once answers with the object (as
   * Kubernetes' pods, services and namespaces do: `ReturnDeletedObject`);
   * otherwise with a Success Status naming it. A delete left pending
   * (grace period, finalizers) always answers with the object.
   */
  returnDeletedObject?: boolean;
  /** The name rule, replacing the DNS-1123 subdomain check (e.g. RBAC's path-segment names, which allow ':'). */
  nameErrors?: (name: string) => string[];
  /** Subresources written (PUT, or a JSON/merge/strategic PATCH) with their own rules, e.g. certificatesigningrequests/approval; each must be in `subresources`. */
  subresourceStrategies?: Record<string, SubresourceStrategy<T>>;
}
