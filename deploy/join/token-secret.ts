/**
 * The bootstrap-token Secret of a Skiff token, kept in step through an
 * admin client (the shared step of the server token, server-token.ts, and
 * the agent token, agent-token.ts). Never logs the token.
 */
import type { Secret } from 'kubernetes-types/core/v1';
import type { ApiClient } from '../../apiserver/client/types.ts';
import { isAlreadyExists } from '../../apiserver/client/types.ts';
import { Secrets } from '../../apiserver/client/resources.ts';
import { BOOTSTRAP_NAMESPACE, bootstrapSecretName, bootstrapTokenSecret, secretHoldsToken, type TokenKind } from './bootstrap-secret.ts';

/**
 * Makes Secret kube-system/bootstrap-token-<id> hold token `t` of `kind`
 * (creating it, or rewriting one whose secret, usages or groups differ).
 * Throws API errors.
 */
export async function ensureTokenSecret(client: ApiClient, t: { id: string; secret: string }, kind: TokenKind): Promise<void> {
  const want = bootstrapTokenSecret(t, kind);
  const have = await client.tryGet<Secret>(Secrets, bootstrapSecretName(t.id), BOOTSTRAP_NAMESPACE);
  if (!have) {
    try {
      await client.create<Secret>(Secrets, want, BOOTSTRAP_NAMESPACE);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      await client.update<Secret>(Secrets, want, BOOTSTRAP_NAMESPACE);
    }
  } else if (!secretHoldsToken(have, t, kind)) {
    await client.update<Secret>(Secrets, { ...want, metadata: { ...want.metadata, resourceVersion: have.metadata?.resourceVersion } }, BOOTSTRAP_NAMESPACE);
  }
}
