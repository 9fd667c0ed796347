/**
 * The identity of whoever made a request, as Kubernetes' user.Info
 * (k8s.io/apiserver/pkg/authentication/user): the name, an optional unique
 * id, the groups it belongs to and free-form extra attributes.
 */

/** An authenticated (or anonymous) user (Kubernetes user.Info). */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}
