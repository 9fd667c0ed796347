/**
 * The registry of every resource Skiff serves, in discovery order. The API
 * server core mounts generic routes for each non-virtual entry.
 */
import type { KubeObject } from '../../api/object.ts';
import type { ResourceDef } from '../types.ts';
import { configMapsResource } from './configmaps.ts';
import { csrResource, csrShape } from './csr.ts';
import { endpointSlicesResource, endpointsResource } from './endpoints.ts';
import { eventsResource } from './events.ts';
import { guardResource } from './guard.ts';
import { jobsResource } from './jobs.ts';
import { ingressClassesResource, ingressesResource } from './ingress.ts';
import { shapes } from './shapes.ts';
import { componentStatusesResource, leasesResource } from './leases.ts';
import { namespacesResource } from './namespaces.ts';
import { networkPoliciesResource, networkPolicyShape } from './networkpolicies.ts';
import { nodesResource } from './nodes.ts';
import { podsResource } from './pods.ts';
import { podDisruptionBudgetsResource } from './pdb.ts';
import { clusterRoleBindingsResource, clusterRolesResource, roleBindingsResource, rolesResource } from './rbac.ts';
import { reviewResources } from './reviews.ts';
import { secretsResource } from './secrets.ts';
import { servicesResource } from './services.ts';
import { serviceAccountsResource } from './serviceaccounts.ts';
import { deploymentsResource, replicaSetsResource } from './workloads.ts';

/** Erases the object type and adds the shape guard (guard.ts: wrongly typed fields are 422, never a TypeError). */
function erase<T extends KubeObject>(def: ResourceDef<T>): ResourceDef {
  return guardResource(def, shapes[def.resource]) as unknown as ResourceDef;
}

/** Fresh definitions of all served resources (core v1 incl. configmaps and secrets, apps/v1, batch/v1 jobs, discovery.k8s.io/v1, coordination.k8s.io/v1, policy/v1, networking.k8s.io/v1 ingresses, ingressclasses and networkpolicies, rbac.authorization.k8s.io/v1, certificates.k8s.io/v1, and the virtual authorization.k8s.io/v1 reviews). */
export function allResources(): ResourceDef[] {
  return [
    erase(namespacesResource()),
    erase(podsResource()),
    erase(nodesResource()),
    erase(servicesResource()),
    erase(endpointsResource()),
    erase(eventsResource()),
    erase(configMapsResource()),
    erase(secretsResource()),
    erase(serviceAccountsResource()),
    erase(componentStatusesResource()),
    erase(deploymentsResource()),
    erase(replicaSetsResource()),
    erase(jobsResource()),
    erase(endpointSlicesResource()),
    erase(leasesResource()),
    erase(podDisruptionBudgetsResource()),
    erase(ingressesResource()),
    erase(ingressClassesResource()),
    erase(clusterRoleBindingsResource()),
    erase(clusterRolesResource()),
    erase(roleBindingsResource()),
    erase(rolesResource()),
    guardResource(csrResource(), csrShape) as unknown as ResourceDef,
    guardResource(networkPoliciesResource(), networkPolicyShape) as unknown as ResourceDef,
    ...reviewResources().map(erase),
  ];
}
