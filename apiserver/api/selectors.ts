/**
 * Label and field selectors for the API server: the shared parser and
 * matchers of apiserver/client/selectors.ts, with a malformed selector
 * answered as a 400 BadRequest Status (as k8s.io/apiserver does).
 */
import {
  parseFieldSelector as parseFields,
  parseLabelSelector as parseLabels,
  SelectorError,
  type FieldRequirement,
  type LabelRequirement,
} from '../client/selectors.ts';
import { badRequest } from './errors.ts';

export { matchFields, matchLabels, type FieldRequirement, type LabelRequirement } from '../client/selectors.ts';

function asBadRequest<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof SelectorError) throw badRequest(e.message);
    throw e;
  }
}

/**
 * Parses a label selector such as `app=web,tier!=db,env in (a,b),!legacy,gpu`
 * (see the shared parser). Empty string selects everything. Throws a 400
 * StatusError on bad syntax.
 */
export function parseLabelSelector(sel: string | undefined): LabelRequirement[] {
  return asBadRequest(() => parseLabels(sel));
}

/**
 * Parses a field selector such as `spec.nodeName=n1,status.phase!=Failed`.
 * `allowed` (if given) is the set of selectable field names: any other field
 * is a 400 `field label not supported: x`, as Kubernetes answers.
 */
export function parseFieldSelector(sel: string | undefined, allowed?: Set<string>): FieldRequirement[] {
  return asBadRequest(() => parseFields(sel, allowed));
}
