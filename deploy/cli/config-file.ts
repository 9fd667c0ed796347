/**
 * The config file of `skiff server` and `skiff agent` (k3s's
 * /etc/rancher/k3s/config.yaml): a YAML mapping whose keys are long flag
 * names without the dashes (`data-dir: /x`, `node-ip: 10.0.0.5`), a list for
 * a repeatable flag (`registry-mirror: [a, b]`), `true`/`false` for a flag
 * without a value. It is turned into flags placed before the command line's
 * own, so a flag given on the command line wins (a key whose flag also
 * appears on the command line is dropped, lists included; k3s behaves the
 * same for scalar flags).
 */
import { parse as parseYaml } from 'yaml';
import type { Command } from 'commander';

/** The default file, read when it exists and no --config is given (as k3s). */
export const DEFAULT_CONFIG_FILE = '/etc/skiff/config.yaml';

/** Subcommands that read a config file. */
export const CONFIG_SUBCOMMANDS: readonly string[] = ['server', 'agent'];

/** One long flag of a subcommand: `name` without dashes; `takesValue` false for a plain switch. */
export interface FlagSpec {
  name: string;
  takesValue: boolean;
}

/** The flags as a result, or why the file cannot be used (names the key). */
export type ConfigArgs = { args: string[] } | { error: string };

/** True when `cliArgs` sets the flag `name` (`--name`, `--name=v`, or `--no-name`). */
function givenOnCommandLine(name: string, cliArgs: readonly string[]): boolean {
  return cliArgs.some((a) => a === `--${name}` || a.startsWith(`--${name}=`) || a === `--no-${name}`);
}

function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  return undefined;
}

/**
 * Turns config file text into flags for a subcommand whose long flags are
 * `flags`, skipping keys that `cliArgs` (the command line after the
 * subcommand) sets itself. Pure. Errors: YAML that does not parse, a
 * top-level value that is not a mapping, an unknown key, `config` itself, a
 * nested mapping, or a non-boolean for a switch. An empty file gives no flags.
 */
export function configFileArgs(text: string, flags: readonly FlagSpec[], cliArgs: readonly string[]): ConfigArgs {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    return { error: `not valid YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
  if (doc === null || doc === undefined) return { args: [] };
  if (typeof doc !== 'object' || Array.isArray(doc)) return { error: 'must be a mapping of flag names to values (e.g. "data-dir: /var/lib/skiff")' };
  const byName = new Map(flags.map((f) => [f.name, f]));
  const args: string[] = [];
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (key === 'config') return { error: 'key "config": a config file cannot name another one' };
    const flag = byName.get(key);
    if (flag === undefined) return { error: `unknown key "${key}" (keys are the long flag names without "--", e.g. "data-dir")` };
    if (givenOnCommandLine(key, cliArgs) || value === null) continue;
    if (!flag.takesValue) {
      if (typeof value !== 'boolean') return { error: `key "${key}" is a switch: use true or false` };
      if (value) args.push(`--${key}`);
      continue;
    }
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      const s = scalarText(item);
      if (s === undefined) return { error: `key "${key}": values must be strings, numbers or booleans` };
      args.push(`--${key}`, s);
    }
  }
  return { args };
}

/** The long flags of a commander subcommand (`--help` excluded). */
export function flagSpecs(cmd: Command): FlagSpec[] {
  return cmd.options
    .filter((o) => o.long !== undefined && o.long !== '--help')
    .map((o) => ({ name: (o.long ?? '').replace(/^--/, ''), takesValue: o.required || o.optional }));
}

/** Where --config points in `cliArgs`, and the arguments without it; `error` when it has no value. */
export function takeConfigFlag(cliArgs: readonly string[]): { path?: string; rest: string[] } | { error: string } {
  const rest: string[] = [];
  let path: string | undefined;
  for (let i = 0; i < cliArgs.length; i++) {
    const a = cliArgs[i] ?? '';
    if (a === '--') {
      rest.push(...cliArgs.slice(i));
      break;
    }
    if (a === '--config') {
      const v = cliArgs[i + 1];
      if (v === undefined || v.startsWith('--')) return { error: 'option --config needs a file path' };
      path = v;
      i++;
    } else if (a.startsWith('--config=')) {
      path = a.slice('--config='.length);
    } else {
      rest.push(a);
    }
  }
  return path === undefined ? { rest } : { path, rest };
}

/** File access for {@link expandConfigFile}; injectable for tests. */
export interface ConfigFileIO {
  exists(path: string): boolean;
  read(path: string): string;
}

/**
 * Rewrites `argv` (process.argv shape: node, script, subcommand, ...) so a
 * `server`/`agent` run gets its config file's flags inserted right after the
 * subcommand: the file named by --config, else DEFAULT_CONFIG_FILE when it
 * exists. Other argv is returned unchanged. Throws an Error naming the file
 * and the problem (missing --config file, unknown key, bad YAML).
 */
export function expandConfigFile(argv: readonly string[], program: Command, io: ConfigFileIO, defaultFile = DEFAULT_CONFIG_FILE): string[] {
  const sub = argv[2];
  const cmd = program.commands.find((c) => c.name() === sub);
  if (sub === undefined || cmd === undefined || !CONFIG_SUBCOMMANDS.includes(sub)) return [...argv];
  const taken = takeConfigFlag(argv.slice(3));
  if ('error' in taken) throw new Error(taken.error);
  const file = taken.path ?? (io.exists(defaultFile) ? defaultFile : undefined);
  if (file === undefined) return [...argv.slice(0, 3), ...taken.rest];
  if (taken.path !== undefined && !io.exists(file)) throw new Error(`config file ${file} does not exist`);
  const r = configFileArgs(io.read(file), flagSpecs(cmd), taken.rest);
  if ('error' in r) throw new Error(`config file ${file}: ${r.error}`);
  return [...argv.slice(0, 3), ...r.args, ...taken.rest];
}

/**
 * Declares `--config <file>` on the config-reading subcommands of `program`
 * (for --help; expandConfigFile consumes the flag before commander parses).
 * Returns `program`.
 */
export function addConfigOption(program: Command): Command {
  for (const c of program.commands) {
    if (CONFIG_SUBCOMMANDS.includes(c.name())) c.option('--config <file>', `read flags from this YAML file (default ${DEFAULT_CONFIG_FILE} when it exists; command-line flags win)`);
  }
  return program;
}
