/**
 * `apiextensions.k8s.io/v1` CustomResourceDefinitions, read-only and always
 * empty: Skiff serves no custom resources yet. kubectl's client-side
 * validation lists CRDs when a manifest names a kind it has no schema for,
 * and fails with "failed to list CRDs" on a 404; with an (honest) empty list it
 * goes on and reports kubectl's usual `no matches for kind "X"`.
 */
import type { FastifyInstance } from 'fastify';
import { notFound } from './api/errors.ts';

const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/**
 * Registers GET of the CRD list (an empty CustomResourceDefinitionList at the
 * current revision from `currentRevision()`) and GET of one CRD (always 404).
 */
export function registerCustomResourceDefinitions(app: FastifyInstance, deps: { currentRevision(): Promise<string> }): void {
  app.get(base, async () => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinitionList',
    metadata: { resourceVersion: await deps.currentRevision() },
    items: [],
  }));
  app.get(`${base}/:name`, async (req) => {
    const { name } = req.params as { name: string };
    throw notFound({ group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', name });
  });
}
