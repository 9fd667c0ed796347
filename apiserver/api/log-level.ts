/**
 * Which log level and format a process uses: pure decisions from flags and
 * environment, table-tested (log-level.test.ts).
 */

/** pino's level names Skiff exposes, most verbose first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** `json`: one JSON object a line; `pretty`: `<time> <component> <LEVEL> <msg> <json fields>`. */
export type LogFormat = 'json' | 'pretty';

/** Env var a parent (`skiff server`/`agent`) sets so the components it spawns log at its level. */
export const LOG_LEVEL_ENV = 'SKIFF_LOG_LEVEL';
/** Env var that forces the format (json or pretty) regardless of the TTY. */
export const LOG_FORMAT_ENV = 'SKIFF_LOG_FORMAT';

/** True when `s` is one of LOG_LEVELS. */
export function isLogLevel(s: unknown): s is LogLevel {
  return typeof s === 'string' && (LOG_LEVELS as readonly string[]).includes(s);
}

/** klog-style verbosity to a level: 0-1 info, 2-3 debug, 4 and more trace. */
export function verbosityLevel(v: number): LogLevel {
  if (v >= 4) return 'trace';
  if (v >= 2) return 'debug';
  return 'info';
}

/** Inputs of decideLogLevel. */
export interface LogLevelInputs {
  /** --log-level, wins over everything. */
  flag?: string;
  /** -v <n>. */
  verbosity?: number;
  env?: Record<string, string | undefined>;
}

/**
 * The level: --log-level, else -v, else SKIFF_LOG_LEVEL (when valid), else
 * debug when SKIFF_DEBUG is set, else info.
 */
export function decideLogLevel(i: LogLevelInputs): LogLevel {
  if (isLogLevel(i.flag)) return i.flag;
  if (i.verbosity !== undefined) return verbosityLevel(i.verbosity);
  const fromEnv = i.env?.[LOG_LEVEL_ENV];
  if (isLogLevel(fromEnv)) return fromEnv;
  if (i.env?.SKIFF_DEBUG) return 'debug';
  return 'info';
}

/** The format: SKIFF_LOG_FORMAT when json or pretty, else pretty on a TTY, else json. */
export function decideLogFormat(env: Record<string, string | undefined>, isTTY: boolean): LogFormat {
  const f = env[LOG_FORMAT_ENV];
  if (f === 'json' || f === 'pretty') return f;
  return isTTY ? 'pretty' : 'json';
}
