/**
 * Minimal structured logger shared by all components: one line per entry on
 * stderr, `<ISO time> <component> <level> <message> <json fields>`.
 * Created per component in its main (no global logger).
 */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  child(name: string): Logger;
}

/** Creates a logger named `component`; debug lines only when SKIFF_DEBUG is set. */
export function createLogger(component: string, out: NodeJS.WritableStream = process.stderr): Logger {
  const debugOn = Boolean(process.env.SKIFF_DEBUG);
  const write = (level: string, msg: string, fields?: Record<string, unknown>): void => {
    const extra = fields && Object.keys(fields).length > 0 ? ' ' + safeJson(fields) : '';
    out.write(`${new Date().toISOString()} ${component} ${level} ${msg}${extra}\n`);
  };
  return {
    info: (m, f) => write('INFO', m, f),
    warn: (m, f) => write('WARN', m, f),
    error: (m, f) => write('ERROR', m, f),
    debug: (m, f) => { if (debugOn) write('DEBUG', m, f); },
    child: (name) => createLogger(`${component}/${name}`, out),
  };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (x instanceof Error ? { error: x.message } : x));
  } catch {
    return '"<unserializable>"';
  }
}

/** A logger that writes nothing (tests, and callers that opt out of logging). `child` returns itself. */
export function silentLogger(): Logger {
  const none = (): void => undefined;
  const logger: Logger = { info: none, warn: none, error: none, debug: none, child: () => logger };
  return logger;
}
