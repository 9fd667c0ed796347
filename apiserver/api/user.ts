/**
 * The identity of a request's caller, as Kubernetes' user.Info
 * (k8s.io/apiserver/pkg/authentication/user): set by authentication, read by
 * authorization and admission.
 */

/** Who made a request: name, optional uid, groups (e.g. system:authenticated) and extra attributes. */
export interface UserInfo { username: string; uid?: string; groups: string[]; extra?: Record<string, string[]> }
