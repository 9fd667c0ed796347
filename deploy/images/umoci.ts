/**
 * Thin wrappers over the `umoci` CLI for building single-layer images into an
 * OCI layout: new image → unpack (rootless) → fill rootfs → repack → config.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec.ts';

/** Image configuration written with `umoci config`. */
export interface ImageConfig {
  entrypoint?: readonly string[];
  cmd?: readonly string[];
  env?: readonly string[];
  stopSignal?: string;
  workingDir?: string;
  exposedPorts?: readonly string[];
}

/** initLayout creates an empty OCI layout at `layout` unless one is already there. */
export async function initLayout(layout: string): Promise<void> {
  if (existsSync(join(layout, 'oci-layout'))) return;
  await run('umoci', ['init', '--layout', layout]);
}

/**
 * buildImage creates tag `tag` in `layout` with one layer made by `fill(rootfs)`,
 * then applies `config`. `bundle` must be a path that does not exist yet; it
 * is left behind for the caller to remove. Throws CommandError on umoci failures.
 */
export async function buildImage(
  layout: string,
  tag: string,
  bundle: string,
  fill: (rootfs: string) => Promise<void>,
  config: ImageConfig,
): Promise<void> {
  const ref = `${layout}:${tag}`;
  await run('umoci', ['new', '--image', ref]);
  await run('umoci', ['unpack', '--rootless', '--image', ref, bundle]);
  await fill(join(bundle, 'rootfs'));
  await run('umoci', ['repack', '--image', ref, bundle]);
  await run('umoci', ['config', '--image', ref, ...configArgs(config)]);
}

/** configArgs renders {@link ImageConfig} as `umoci config` flags (repeated flags for lists). */
export function configArgs(config: ImageConfig): string[] {
  const args: string[] = [];
  if (config.entrypoint) {
    args.push('--clear=config.entrypoint');
    for (const e of config.entrypoint) args.push(`--config.entrypoint=${e}`);
  }
  if (config.cmd) {
    args.push('--clear=config.cmd');
    for (const c of config.cmd) args.push(`--config.cmd=${c}`);
  }
  for (const e of config.env ?? []) args.push(`--config.env=${e}`);
  for (const p of config.exposedPorts ?? []) args.push(`--config.exposedports=${p}`);
  if (config.stopSignal) args.push(`--config.stopsignal=${config.stopSignal}`);
  if (config.workingDir) args.push(`--config.workingdir=${config.workingDir}`);
  return args;
}

/** gcLayout removes unreferenced blobs (the intermediate configs each `umoci config` leaves). */
export async function gcLayout(layout: string): Promise<void> {
  await run('umoci', ['gc', '--layout', layout]);
}
