/**
 * The create-only authorization.k8s.io/v1 reviews, as Kubernetes'
 * pkg/registry/authorization/{selfsubjectaccessreview,subjectaccessreview,selfsubjectrulesreview}:
 * an access review asks the authorizer about one request (for the caller,
 * or for spec.user/groups) and answers the object with status.allowed /
 * denied / reason; a rules review lists the caller's rules in a namespace.
 * Nothing is stored. `kubectl auth can-i` (and `--list`) post these.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { NonResourceAttributes, ResourceAttributes, SelfSubjectAccessReview, SelfSubjectRulesReview, SubjectAccessReview, SubjectRulesReviewStatus } from 'kubernetes-types/authorization/v1';
import { badRequest, invalid } from '../../api/errors.ts';
import type { UserInfo } from '../../api/user.ts';
import { invalidValue } from '../../api/validation.ts';
import type { FieldCause } from '../../api/errors.ts';
import { checkKind, decodeBody } from '../../routes/body.ts';
import { requestUser } from '../../routes/request-user.ts';
import { nonResourceAttributes, resourceAttributes, type Attributes, type Authorizer } from './attributes.ts';
import type { ResolvedRules } from './resolver.ts';

const group = 'authorization.k8s.io';
const apiVersion = `${group}/v1`;

/** What the review routes need: the authorizer and the rules a user holds in a namespace. */
export interface ReviewDeps {
  authorizer: () => Authorizer;
  rulesFor: (user: UserInfo, namespace: string) => ResolvedRules;
}

/** The Attributes of a review spec for `user`. */
export function reviewAttributes(user: UserInfo, ra: ResourceAttributes | undefined, nra: NonResourceAttributes | undefined): Attributes {
  if (ra) return resourceAttributes(user, { verb: ra.verb ?? '', apiGroup: ra.group ?? '', apiVersion: ra.version ?? '', resource: ra.resource ?? '', subresource: ra.subresource ?? '', name: ra.name ?? '', namespace: ra.namespace ?? '' });
  return nonResourceAttributes(user, nra?.verb ?? '', nra?.path ?? '');
}

/** ValidateSelfSubjectAccessReviewSpec / ValidateSubjectAccessReviewSpec's attribute rule: exactly one of the two. */
export function attributeCauses(ra: unknown, nra: unknown): FieldCause[] {
  if (ra && nra) return [invalidValue('spec.nonResourceAttributes', nra, 'cannot be specified in combination with resourceAttributes')];
  if (!ra && !nra) return [invalidValue('spec.resourceAttributes', nra ?? null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified')];
  return [];
}

/** The status of an access review: the authorizer's decision for `a`. */
function decide(authz: Authorizer, a: Attributes): SubjectAccessReview['status'] {
  const d = authz.authorize(a);
  const status: NonNullable<SubjectAccessReview['status']> = { allowed: d.decision === 'allow' };
  if (d.decision === 'deny') status.denied = true;
  if (d.reason) status.reason = d.reason;
  return status;
}

/**
 * authorization/v1 ResourceRule. kubernetes-types' declaration loses
 * `resources` and `verbs` (their doc comment holds a `*\/` that ends the
 * comment early), so the shape is spelled out here.
 */
export interface ResourceRuleOut {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
}

/** SubjectRulesReviewStatus, with the complete ResourceRule. */
export type RulesStatus = Omit<SubjectRulesReviewStatus, 'resourceRules'> & { resourceRules: ResourceRuleOut[] };

/** SubjectRulesReviewStatus of resolved rules (Kubernetes ConvertToResourceRules / ConvertToNonResourceRules). */
export function rulesStatus(r: ResolvedRules): RulesStatus {
  const status: RulesStatus = { resourceRules: [], nonResourceRules: [], incomplete: r.errors.length > 0 };
  for (const rule of r.rules) {
    if ((rule.nonResourceURLs ?? []).length > 0) {
      status.nonResourceRules.push({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs });
      continue;
    }
    const rr: ResourceRuleOut = { verbs: rule.verbs, apiGroups: rule.apiGroups ?? [], resources: rule.resources ?? [] };
    if ((rule.resourceNames ?? []).length > 0) rr.resourceNames = rule.resourceNames;
    status.resourceRules.push(rr);
  }
  if (r.errors.length > 0) status.evaluationError = r.errors.join(', ');
  return status;
}

/** The caller: `req.user`, or the anonymous user when no authenticator set one. */
function caller(req: FastifyRequest): UserInfo {
  return requestUser(req) ?? { username: 'system:anonymous', groups: ['system:unauthenticated'] };
}

function body<T>(req: FastifyRequest, kind: string): T {
  const obj = decodeBody(req.headers['content-type'], req.body);
  if (!obj) throw badRequest('a request body is required');
  checkKind(obj, kind, apiVersion);
  return obj as T;
}

/** Mounts POST …/selfsubjectaccessreviews, …/subjectaccessreviews and …/selfsubjectrulesreviews (201 with the answered object). */
export function registerReviews(app: FastifyInstance, deps: ReviewDeps): void {
  const base = `/apis/${group}/v1`;
  app.post(`${base}/selfsubjectaccessreviews`, async (req, reply) => {
    const r = body<SelfSubjectAccessReview>(req, 'SelfSubjectAccessReview');
    const causes = attributeCauses(r.spec?.resourceAttributes, r.spec?.nonResourceAttributes);
    if (causes.length > 0) throw invalid('SelfSubjectAccessReview', group, '', causes);
    const status = decide(deps.authorizer(), reviewAttributes(caller(req), r.spec.resourceAttributes, r.spec.nonResourceAttributes));
    return reply.code(201).send({ ...r, apiVersion, kind: 'SelfSubjectAccessReview', metadata: r.metadata ?? {}, status });
  });
  app.post(`${base}/subjectaccessreviews`, async (req, reply) => {
    const r = body<SubjectAccessReview>(req, 'SubjectAccessReview');
    const causes = attributeCauses(r.spec?.resourceAttributes, r.spec?.nonResourceAttributes);
    if (!r.spec?.user && (r.spec?.groups ?? []).length === 0) causes.push(invalidValue('spec.user', r.spec?.user ?? '', 'at least one of user or group must be specified'));
    if (causes.length > 0) throw invalid('SubjectAccessReview', group, '', causes);
    const subject: UserInfo = { username: r.spec.user ?? '', groups: r.spec.groups ?? [] };
    if (r.spec.uid) subject.uid = r.spec.uid;
    if (r.spec.extra) subject.extra = r.spec.extra;
    const status = decide(deps.authorizer(), reviewAttributes(subject, r.spec.resourceAttributes, r.spec.nonResourceAttributes));
    return reply.code(201).send({ ...r, apiVersion, kind: 'SubjectAccessReview', metadata: r.metadata ?? {}, status });
  });
  app.post(`${base}/selfsubjectrulesreviews`, async (req, reply) => {
    const r = body<SelfSubjectRulesReview>(req, 'SelfSubjectRulesReview');
    const status = rulesStatus(deps.rulesFor(caller(req), r.spec?.namespace ?? ''));
    return reply.code(201).send({ ...r, apiVersion, kind: 'SelfSubjectRulesReview', metadata: r.metadata ?? {}, spec: r.spec ?? {}, status });
  });
}
