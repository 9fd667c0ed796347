/**
 * `--log-level <level>` and `-v <n>` on every `skiff` subcommand. Before an
 * action runs, the decided level (apiserver/api/log-level.ts) is handed to
 * `apply`; production sets SKIFF_LOG_LEVEL, which createLogger reads and the
 * components `skiff server`/`agent` spawn inherit (their env copies process.env).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { decideLogLevel, LOG_LEVELS, type LogLevel } from '../../apiserver/api/log-level.ts';

/** A klog verbosity: a whole number ≥ 0. */
export function parseVerbosity(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number (0-1 info, 2-3 debug, 4+ trace).');
  return Number(value);
}

/** Adds the two flags to every leaf command under `program` and calls `apply(level)` before each action. */
export function addLoggingOptions(program: Command, apply: (level: LogLevel) => void, env: Record<string, string | undefined>): void {
  const leaves = (c: Command): Command[] => (c.commands.length === 0 ? [c] : c.commands.flatMap(leaves));
  for (const c of program.commands.flatMap(leaves)) {
    c.addOption(new Option('--log-level <level>', 'log level').choices([...LOG_LEVELS]));
    c.addOption(new Option('-v <n>', 'klog-style verbosity: 0-1 info, 2-3 debug, 4+ trace').argParser(parseVerbosity));
  }
  program.hook('preAction', (_p, action) => {
    const o = action.opts<{ logLevel?: string; v?: number }>();
    apply(decideLogLevel({ ...(o.logLevel !== undefined ? { flag: o.logLevel } : {}), ...(o.v !== undefined ? { verbosity: o.v } : {}), env }));
  });
}
