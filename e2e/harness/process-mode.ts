/**
 * How e2e clusters run their components: in the server's (and each agent's)
 * one process, Skiff's default, or each in its own child process with
 * `SKIFF_E2E_SPLIT_PROCESSES=1` (the longer run, `node deploy/test-runner.mjs
 * --split-processes`). Tests that kill -9 a single component pass
 * `--split-processes` themselves.
 */

/** The env var that switches every e2e server and agent to --split-processes. */
export const SPLIT_PROCESSES_ENV = 'SKIFF_E2E_SPLIT_PROCESSES';

/** `['--split-processes']` when `env` asks for split processes ('1' or 'true'), else `[]`. Pure. */
export function processModeArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  const v = env[SPLIT_PROCESSES_ENV];
  return v === '1' || v === 'true' ? ['--split-processes'] : [];
}

/** `args` plus the env's process-mode flag, never twice. Pure. */
export function withProcessMode(args: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  return args.includes('--split-processes') ? [...args] : [...args, ...processModeArgs(env)];
}
