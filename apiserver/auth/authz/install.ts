/**
 * The authorization stage of the API server, off unless configured:
 * `AlwaysAllow` (the default) lets every request through, as today's open
 * loopback mode; `RBAC` authorizes every request after authentication and
 * before the route (a fastify preHandler): impersonation first, then the
 * request's attributes (request-info.ts) against system:masters and RBAC,
 * answering 403 Forbidden Status when not allowed. RBAC mode also keeps the
 * RBAC cache and the ClusterRole aggregation loop running, adds escalation
 * prevention to admission, and creates the default policy at bootstrap.
 * The review endpoints are served in both modes. `Node,RBAC` puts the Node
 * authorizer (node/) before RBAC, as kube-apiserver's
 * `--authorization-mode=Node,RBAC`, keeps its pod graph running, and adds
 * NodeRestriction to admission. RBAC mode also adds the certificate
 * admission checks (certificates.ts: approve/sign on signers, no
 * system:masters client certs).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PolicyRule } from 'kubernetes-types/rbac/v1';
import type { Logger } from '../../api/log.ts';
import type { UserInfo } from '../../api/user.ts';
import type { AdmissionChain } from '../../registry/admission/chain.ts';
import type { ObjectLister, ObjectReader } from '../../registry/admission/standard.ts';
import type { Registry } from '../../registry/registry.ts';
import type { Storage } from '../../storage/interface.ts';
import { requestUser, setRequestUser } from '../../routes/request-user.ts';
import { AggregationLoop } from './aggregation.ts';
import type { Authorizer } from './attributes.ts';
import { alwaysAllow, rbacAuthorizer } from './authorizer.ts';
import { escalationPlugin } from './escalation.ts';
import { certificatesAdmission } from './certificates.ts';
import { forbiddenError } from './forbidden.ts';
import { impersonate, impersonationHeaders, wantsImpersonation } from './impersonation.ts';
import { bootstrapPolicy } from './policy-bootstrap.ts';
import { RbacCache } from './rbac-cache.ts';
import { NodeAuthorizer } from './node/authorizer.ts';
import { nodeRestriction } from './node/restriction.ts';
import { rulesFor, type ResolvedRules } from './resolver.ts';
import { decodedPath, requestAttributes } from './request-info.ts';
import { registerReviews } from './reviews.ts';
import { unionAuthorizer } from './union.ts';

/** `--authorization-mode`: AlwaysAllow (default), RBAC, or the Node authorizer then RBAC. */
export type AuthorizationMode = 'AlwaysAllow' | 'RBAC' | 'Node,RBAC';

/** The user of a request no authenticator claimed (Kubernetes' anonymous user). */
export const anonymousUser: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

/** What AlwaysAllow reports to a rules review (Kubernetes alwaysAllowAuthorizer.RulesFor). */
const everything: PolicyRule[] = [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }];

/** The authorization pieces of one server (built before the registry, installed on the app after). */
export interface Authorization {
  mode: AuthorizationMode;
  authorizer: Authorizer;
  /** Wraps an admission chain builder with escalation prevention (RBAC only). */
  admission(base: (read: ObjectReader, list?: ObjectLister) => AdmissionChain): (read: ObjectReader, list?: ObjectLister) => AdmissionChain;
  /** Mounts the review routes and, for RBAC, the preHandler, the cache and the aggregation loop. */
  install(app: FastifyInstance, registry: Registry, log: Logger): void;
  /** Creates the default policy (RBAC only; a no-op otherwise). */
  bootstrap(registry: Registry, log: Logger): Promise<void>;
  /** The RBAC cache (RBAC only), e.g. for tests to await aggregation. */
  cache?: RbacCache;
  aggregation?: AggregationLoop;
  /** The Node authorizer (Node,RBAC only). */
  node?: NodeAuthorizer;
}

/** The first value of a query parameter. */
function queryValue(req: FastifyRequest, name: string): string | undefined {
  const v = (req.query as Record<string, string | string[] | undefined> | undefined)?.[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Builds the authorization of a server in `mode`; `storage` feeds the RBAC cache. */
export function createAuthorization(mode: AuthorizationMode, storage: Storage, log: Logger): Authorization {
  if (mode === 'AlwaysAllow') {
    return {
      mode, authorizer: alwaysAllow,
      admission: (base) => base,
      install: (app) => registerReviews(app, { authorizer: () => alwaysAllow, rulesFor: (): ResolvedRules => ({ rules: everything, errors: [] }) }),
      bootstrap: async () => undefined,
    };
  }
  const cache = new RbacCache(storage, log.child('rbac'));
  const node = mode === 'Node,RBAC' ? new NodeAuthorizer(storage, log.child('node-authorizer')) : undefined;
  const rbac = rbacAuthorizer(cache);
  const authorizer = node ? unionAuthorizer([node, rbac]) : rbac;
  const auth: Authorization = {
    mode, authorizer, cache, ...(node ? { node } : {}),
    admission: (base) => (read, list) => {
      const chain = base(read, list);
      const validating = [...chain.validating, ...(node ? [nodeRestriction(read)] : []), escalationPlugin({ authorizer: () => authorizer, snapshot: cache, read }), certificatesAdmission(() => authorizer)];
      return { mutating: chain.mutating, validating };
    },
    install(app, registry, ilog) {
      registerReviews(app, { authorizer: () => authorizer, rulesFor: (u, ns) => rulesFor(cache, u, ns) });
      const store = registry.find('rbac.authorization.k8s.io', 'v1', 'clusterroles');
      if (store) {
        const loop = new AggregationLoop({ clusterRoles: () => cache.allClusterRoles(), store, log: ilog.child('clusterrole-aggregation') });
        cache.clusterRoles.onChange(() => loop.changed());
        auth.aggregation = loop;
      }
      app.addHook('onReady', async () => { await Promise.all([cache.start(), node?.start()]); });
      app.addHook('onClose', async () => {
        auth.aggregation?.close();
        await auth.aggregation?.idle();
        await cache.stop();
        await node?.stop();
      });
      app.addHook('preHandler', async (req) => {
        let user = requestUser(req) ?? anonymousUser;
        if (wantsImpersonation(req.headers)) {
          const r = impersonate(user, req.headers, authorizer);
          if ('error' in r) throw r.error;
          user = r.user;
          for (const h of impersonationHeaders(req.headers)) delete req.headers[h];
        }
        setRequestUser(req, user);
        const fieldSelector = queryValue(req, 'fieldSelector');
        const a = { ...requestAttributes(user, req.method, decodedPath(req.url), { watch: queryValue(req, 'watch'), fieldSelector }), ...(fieldSelector !== undefined ? { fieldSelector } : {}) };
        const d = authorizer.authorize(a);
        if (d.decision !== 'allow') throw forbiddenError(a, d.reason);
      });
    },
    bootstrap: (registry, blog) => bootstrapPolicy(registry, blog),
  };
  return auth;
}
