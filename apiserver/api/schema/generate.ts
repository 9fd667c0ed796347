/**
 * `npm run gen:schemas`: writes definitions.json, the OpenAPI definitions
 * of the built-in types Skiff serves, from maintained packages only:
 * structure, descriptions and kinds from kubernetes-types (read-types.ts),
 * integer formats from @kubernetes/client-node (formats.ts), and patch/list
 * metadata from the documented Kubernetes facts (patch-facts.ts), and the
 * few properties kubernetes-types' declarations lose (type-repairs.ts). The output
 * is deterministic, and a test checks the committed file is what this
 * produces. Dev-time only: nothing at run time imports this file.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Definitions, Schema } from './types.ts';
import { applyByteFormats, applyNumberFormats, modelIndex } from './gen/formats.ts';
import { applyPatchFacts } from './gen/patch-apply.ts';
import { patchFacts } from './gen/patch-facts.ts';
import { readTypes, type SourcePackage } from './gen/read-types.ts';
import { applyTypeRepairs, typeRepairs } from './gen/type-repairs.ts';

/**
 * The kubernetes-types modules read, with their OpenAPI name prefixes
 * (the Go import paths, as kube-openapi names definitions). The served
 * groups (core, apps, batch, discovery.k8s.io, coordination.k8s.io,
 * rbac.authorization.k8s.io, authorization.k8s.io, policy, networking.k8s.io), autoscaling/v1
 * for Scale, and the apimachinery types they use.
 */
export const sourcePackages: SourcePackage[] = [
  { module: 'core/v1', prefix: 'io.k8s.api.core.v1' },
  { module: 'apps/v1', prefix: 'io.k8s.api.apps.v1' },
  { module: 'batch/v1', prefix: 'io.k8s.api.batch.v1' },
  { module: 'discovery/v1', prefix: 'io.k8s.api.discovery.v1' },
  { module: 'coordination/v1', prefix: 'io.k8s.api.coordination.v1' },
  { module: 'autoscaling/v1', prefix: 'io.k8s.api.autoscaling.v1' },
  { module: 'rbac/v1', prefix: 'io.k8s.api.rbac.v1' },
  { module: 'policy/v1', prefix: 'io.k8s.api.policy.v1' },
  { module: 'networking/v1', prefix: 'io.k8s.api.networking.v1' },
  { module: 'authorization/v1', prefix: 'io.k8s.api.authorization.v1' },
  { module: 'meta/v1', prefix: 'io.k8s.apimachinery.pkg.apis.meta.v1' },
  { module: 'api/resource', prefix: 'io.k8s.apimachinery.pkg.api.resource' },
  { module: 'runtime', prefix: 'io.k8s.apimachinery.pkg.runtime' },
  { module: 'version', prefix: 'io.k8s.apimachinery.pkg.version' },
];

/** Where the generated file lives. */
export const definitionsPath = join(dirname(fileURLToPath(import.meta.url)), 'definitions.json');

/** Builds the file's text (and the number fields left without a format). */
export async function generateDefinitions(): Promise<{ text: string; gaps: string[] }> {
  const require = createRequire(import.meta.url);
  const typesDir = dirname(require.resolve('kubernetes-types/package.json'));
  const { definitions, numbers } = readTypes(typesDir, sourcePackages);
  applyTypeRepairs(definitions, typeRepairs);
  const client = (await import('@kubernetes/client-node')) as unknown as Record<string, unknown>;
  const models = modelIndex(client);
  const gaps = applyNumberFormats(numbers, models);
  applyByteFormats(definitions, models);
  applyPatchFacts(definitions, patchFacts);
  const sorted: Record<string, Schema> = {};
  for (const name of Object.keys(definitions).sort()) sorted[name] = definitions[name]!;
  const version = (pkg: string): string => (require(`${pkg}/package.json`) as { version: string }).version;
  const file: Definitions = {
    generatedFrom: { 'kubernetes-types': version('kubernetes-types'), '@kubernetes/client-node': version('@kubernetes/client-node') },
    definitions: sorted,
  };
  return { text: `${JSON.stringify(file, null, 1)}\n`, gaps };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { text, gaps } = await generateDefinitions();
  writeFileSync(definitionsPath, text);
  process.stdout.write(`wrote ${definitionsPath} (${text.length} bytes)\n`);
  if (gaps.length > 0) process.stdout.write(`numbers without a format in @kubernetes/client-node (left as type number): ${gaps.join(', ')}\n`);
}
