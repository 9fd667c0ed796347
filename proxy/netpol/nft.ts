/**
 * Acting on the kernel for NetworkPolicy: one `nft -f -` transaction per
 * payload (render.ts), through the injected Exec (proxy/exec.ts), so tests
 * run it inside a network namespace.
 */
import { mustExec, type Exec } from '../exec.ts';
import { renderNetpolCleanup } from './render.ts';

/** Applies a rendered payload atomically (`nft -f -`). Throws with nft's stderr on failure; nothing changes then. */
export async function applyNetpol(exec: Exec, payload: string): Promise<void> {
  await mustExec(exec, 'nft', ['-f', '-'], payload);
}

/** Removes `table inet skiff-netpol` (`skiff proxy --cleanup`). Idempotent; throws if nft fails. */
export async function removeNetpolTable(exec: Exec): Promise<void> {
  await applyNetpol(exec, renderNetpolCleanup());
}
