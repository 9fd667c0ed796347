/**
 * Properties kubernetes-types' declarations lose. Its generator copies Go
 * doc comments into `/** … *\/` blocks verbatim, so a comment holding `*\/`
 * (authorization/v1 ResourceRule.resources: `"*\/foo" represents the
 * subresource 'foo' …`) ends early and swallows the declarations up to the
 * next comment end. The lost properties are restored here with their
 * k8s.io/api types; the generator adds them to the definitions read.
 */
import type { Schema } from '../types.ts';

const strings: Schema = { type: 'array', items: { type: 'string' } };

/** What one definition gets back: properties, and the names among them the Go type requires. */
export interface TypeRepair {
  properties: Record<string, Schema>;
  required?: string[];
}

/** Definition name → its repair (applied only where the declaration lacks the property). */
export const typeRepairs: Record<string, TypeRepair> = {
  // k8s.io/api/authorization/v1/types.go ResourceRule: Verbs []string (required), Resources []string.
  'io.k8s.api.authorization.v1.ResourceRule': {
    properties: {
      verbs: { ...strings, description: 'Verb is a list of kubernetes resource API verbs, like: get, list, watch, create, update, delete, proxy.  "*" means all.' },
      resources: { ...strings, description: 'Resources is a list of resources this rule applies to.  "*" means all in the specified apiGroups.\n "*/foo" represents the subresource \'foo\' for all resources in the specified apiGroups.' },
    },
    required: ['verbs'],
  },
};

/** Adds each missing repaired property (keeping properties and required sorted); throws if a repaired definition was not read. */
export function applyTypeRepairs(definitions: Record<string, Schema>, repairs: Record<string, TypeRepair>): void {
  for (const [name, repair] of Object.entries(repairs)) {
    const def = definitions[name];
    if (!def) throw new Error(`type repair for ${name}, which was not read`);
    const props = { ...(def.properties ?? {}) };
    for (const [prop, schema] of Object.entries(repair.properties)) if (!(prop in props)) props[prop] = schema;
    def.properties = Object.fromEntries(Object.keys(props).sort().map((k) => [k, props[k]!]));
    const required = new Set([...(def.required ?? []), ...(repair.required ?? [])]);
    if (required.size > 0) def.required = [...required].sort();
  }
}
