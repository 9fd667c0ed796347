/**
 * The admission stage of the write path, as Kubernetes' admission chain
 * (k8s.io/apiserver/pkg/admission): an ordered list of plugins, each seeing
 * the attributes of one write. Mutating plugins may change `attrs.object`;
 * validating plugins only judge. A plugin rejects a write by returning a
 * StatusError (an expected failure is a value, not a throw); the first
 * rejection stops the chain.
 */
import type { KubeObject } from '../../api/object.ts';
import type { StatusError } from '../../api/errors.ts';
import type { UserInfo } from '../../api/user.ts';

/** The verb of a write as admission sees it (Kubernetes admission.Operation). */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

/** What a plugin knows about one write (Kubernetes admission.Attributes). */
export interface AdmissionAttributes {
  operation: AdmissionOperation;
  /** API group ('' for core), version and resource (plural), e.g. '', 'v1', 'pods'. */
  group: string;
  version: string;
  resource: string;
  kind: string;
  /** e.g. 'status', 'binding'; undefined for the main resource. */
  subresource?: string;
  /** undefined for cluster-scoped resources. */
  namespace?: string;
  name: string;
  /** The object to be stored (CREATE/UPDATE; a mutating plugin may change it), or the object being deleted (DELETE). */
  object: KubeObject;
  /** The stored object (UPDATE, DELETE). */
  oldObject?: KubeObject;
  dryRun: boolean;
  /** The requesting user (Kubernetes GetUserInfo); undefined when authentication is off. */
  user?: UserInfo;
}

/** One admission plugin: resolves to a StatusError to reject the write, or nothing to let it pass. */
export type AdmissionPlugin = (attrs: AdmissionAttributes) => Promise<StatusError | void> | StatusError | void;

/** The plugins of a server, in order: every mutating plugin runs before any validating one. */
export interface AdmissionChain {
  mutating: AdmissionPlugin[];
  validating: AdmissionPlugin[];
}

/** A chain that admits everything. */
export const admitAll: AdmissionChain = { mutating: [], validating: [] };

/**
 * Runs `plugins` in order on `attrs`; resolves to the first rejection, or
 * undefined when all admitted. Plugins after a rejection do not run. A plugin
 * that throws is a bug and rejects the promise.
 */
export async function runAdmission(plugins: readonly AdmissionPlugin[], attrs: AdmissionAttributes): Promise<StatusError | undefined> {
  for (const plugin of plugins) {
    const err = await plugin(attrs);
    if (err) return err;
  }
  return undefined;
}

/** Runs the whole chain: mutating plugins, then validating ones; the first rejection wins. */
export async function admit(chain: AdmissionChain, attrs: AdmissionAttributes): Promise<StatusError | undefined> {
  return (await runAdmission(chain.mutating, attrs)) ?? (await runAdmission(chain.validating, attrs));
}
