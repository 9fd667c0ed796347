/** Test helper: the logger every test uses. */
import { createLogger, silentLogger, type Logger } from '../apiserver/api/log.ts';

/** A logger for `component` that writes nothing; with SKIFF_TEST_LOG=1 it writes to stderr instead. */
export function quietLogger(component: string): Logger {
  return process.env.SKIFF_TEST_LOG ? createLogger(component) : silentLogger();
}
