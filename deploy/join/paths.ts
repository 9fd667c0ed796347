/** Where `skiff server` keeps its two tokens (k3s's server/token and server/agent-token). Pure. */
import { join } from 'node:path';

/** `<dataDir>/token`: the server token. */
export function tokenPath(dataDir: string): string {
  return join(dataDir, 'token');
}

/** `<dataDir>/agent-token`: the agent token. */
export function agentTokenPath(dataDir: string): string {
  return join(dataDir, 'agent-token');
}
