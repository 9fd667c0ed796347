/**
 * The HTTP side of authentication's APIs: POST
 * /apis/authentication.k8s.io/v1/tokenreviews, POST
 * /apis/authentication.k8s.io/{v1,v1beta1,v1alpha1}/selfsubjectreviews,
 * and the TokenRequest API, POST
 * /api/v1/namespaces/:namespace/serviceaccounts/:name/token, which signs a
 * bound ServiceAccount token. Every answer is 201 Created or a Status.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../../api/errors.ts';
import type { KubeObject } from '../../api/object.ts';
import { decodeBody } from '../../routes/body.ts';
import { SELF_SUBJECT_REVIEW_VERSIONS } from './api-resources.ts';
import type { AuthnConfig } from './config.ts';
import type { ObjectGetter } from './getter.ts';
import { signJws } from './jws.ts';
import { reviewToken, selfSubjectReview, type TokenReviewBody } from './reviews.ts';
import { boundClaims } from './sa-claims.ts';
import { checkBoundObject, planTokenRequest, type TokenRequestBody } from './token-request.ts';
import type { Pod } from 'kubernetes-types/core/v1';
import { nodeTokenRequestRestriction } from '../authz/node/restriction-token.ts';
import { rfc3339 } from '../../api/time.ts';

/** What the routes need. */
export interface AuthnRoutesDeps {
  authn: AuthnConfig;
  get: ObjectGetter;
}

function body(req: FastifyRequest): KubeObject {
  const b = decodeBody(req.headers['content-type'], req.body);
  if (!b) throw badRequest('a request body is required');
  return b;
}


/** Registers the routes on `app`. */
export function registerAuthenticationRoutes(app: FastifyInstance, deps: AuthnRoutesDeps): void {
  const { authn, get } = deps;
  app.post('/apis/authentication.k8s.io/v1/tokenreviews', async (req, reply) => {
    const r = await reviewToken(body(req) as TokenReviewBody, authn.tokens, authn.apiAudiences);
    if (r instanceof Error) throw r;
    return reply.code(201).send(r);
  });
  for (const version of SELF_SUBJECT_REVIEW_VERSIONS) {
    // The body carries nothing the answer needs (kubectl 1.28+ sends it as protobuf), so it is not decoded.
    app.post(`/apis/authentication.k8s.io/${version}/selfsubjectreviews`, async (req, reply) => {
      return reply.code(201).send(selfSubjectReview(req.user, version));
    });
  }
  app.post<{ Params: { namespace: string; name: string } }>('/api/v1/namespaces/:namespace/serviceaccounts/:name/token', async (req, reply) => {
    const { namespace, name } = req.params;
    const tr = body(req) as TokenRequestBody;
    const plan = planTokenRequest(name, tr, authn.apiAudiences);
    if (plan instanceof Error) throw plan;
    const sa = await get('serviceaccounts', namespace, name);
    if (!sa) throw notFound({ group: '', resource: 'serviceaccounts', name });
    const saRef = { name, uid: (sa.metadata as { uid?: string } | undefined)?.uid ?? '' };
    let bound: { name: string; uid: string } | undefined;
    const obj = plan.bound ? await get(plan.bound.kind === 'Pod' ? 'pods' : 'secrets', namespace, plan.bound.name) : undefined;
    const restricted = nodeTokenRequestRestriction(req.user, name, plan.bound, plan.bound?.kind === 'Pod' ? (obj as Pod | undefined) : undefined);
    if (restricted) throw restricted;
    if (plan.bound) {
      const checked = checkBoundObject(plan.bound, obj);
      if (checked instanceof Error) throw checked;
      bound = checked;
    }
    const nowMs = authn.now();
    const nowSeconds = Math.floor(nowMs / 1000);
    const claims = boundClaims({
      issuer: authn.issuer, audiences: plan.audiences, nowSeconds, expirationSeconds: plan.expirationSeconds, namespace,
      serviceAccount: saRef, jti: randomUUID(),
      ...(plan.bound?.kind === 'Pod' && bound ? { pod: bound } : {}),
      ...(plan.bound?.kind === 'Secret' && bound ? { secret: bound } : {}),
    });
    const spec: Record<string, unknown> = { audiences: plan.audiences, expirationSeconds: plan.expirationSeconds, boundObjectRef: null };
    if (plan.bound && bound) spec.boundObjectRef = { kind: plan.bound.kind, apiVersion: 'v1', name: bound.name, uid: bound.uid };
    return reply.code(201).send({
      kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: rfc3339(nowMs) },
      spec,
      status: { token: signJws(authn.signingKey, claims), expirationTimestamp: rfc3339((nowSeconds + plan.expirationSeconds) * 1000) },
    });
  });
}
