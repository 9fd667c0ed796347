/**
 * Structured logger shared by all components, built on pino: one JSON object
 * a line on stderr (`level`, `time`, `component`, `msg`, then the fields), or
 * pretty lines (log-pretty.ts) when stderr is a TTY. Created per component in
 * its main (no global logger).
 */
import pino from 'pino';
import { decideLogFormat, decideLogLevel, type LogFormat, type LogLevel } from './log-level.ts';
import { prettyDestination } from './log-pretty.ts';

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  child(name: string): Logger;
}

/** Where lines go: anything with a synchronous-enough write (a stream, pino.destination). */
export interface LogSink {
  write(s: string): unknown;
}

/** Options of createLogger; every field has a default. */
export interface LoggerOptions {
  /** Default: stderr, synchronously (pino.destination({ dest: 2, sync: true })). */
  out?: LogSink;
  /** Default: decideLogLevel from SKIFF_LOG_LEVEL / SKIFF_DEBUG. */
  level?: LogLevel;
  /** Default: json when `out` is given, else SKIFF_LOG_FORMAT or pretty on a TTY stderr. */
  format?: LogFormat;
}

/** Field names the line itself uses; a field with one of these names is written as `field.<name>`. */
const RESERVED = new Set(['level', 'time', 'component', 'msg']);

/**
 * Creates a logger named `component`. `opts` may be a bare stream (shorthand
 * for `{ out }`). `child(name)` logs as component `<component>/<name>`.
 * Errors among the fields are written as their message.
 */
export function createLogger(component: string, opts: LoggerOptions | NodeJS.WritableStream = {}): Logger {
  const o: LoggerOptions = isSink(opts) ? { out: opts } : opts;
  const level = o.level ?? decideLogLevel({ env: process.env });
  const format = o.format ?? (o.out ? 'json' : decideLogFormat(process.env, process.stderr.isTTY === true));
  const sink: LogSink = o.out ?? pino.destination({ dest: 2, sync: true });
  const root = pino({
    level,
    base: {},
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  }, format === 'pretty' ? prettyDestination(sink) : { write: (s: string) => { sink.write(s); } });
  return wrap(root, component);
}

function isSink(x: LoggerOptions | NodeJS.WritableStream): x is NodeJS.WritableStream {
  return typeof (x as { write?: unknown }).write === 'function';
}

function wrap(root: pino.Logger, component: string): Logger {
  const p = root.child({ component });
  const at = (lvl: 'info' | 'warn' | 'error' | 'debug') => (msg: string, fields?: Record<string, unknown>): void => {
    if (fields === undefined) p[lvl](msg);
    else p[lvl](plainFields(fields), msg);
  };
  return { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), child: (name) => wrap(root, `${component}/${name}`) };
}

/** The fields with Errors replaced by their message and reserved names prefixed with `field.`. */
function plainFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[RESERVED.has(k) ? `field.${k}` : k] = v instanceof Error ? v.message : v;
  return out;
}

/** A logger that writes nothing (tests, and callers that opt out of logging). `child` returns itself. */
export function silentLogger(): Logger {
  const none = (): void => undefined;
  const logger: Logger = { info: none, warn: none, error: none, debug: none, child: () => logger };
  return logger;
}
