#!/usr/bin/env node
// Entry point for the `skiff` command. Runs the bundle dist/skiff.mjs
// (`npm run build`; no TypeScript compiler at run time) when this is an
// installed copy (no .git next to deploy/) that has one; otherwise registers
// the tsx loader and runs the TypeScript sources (deploy/cli.ts), so a
// development checkout never runs a stale bundle. SKIFF_RUN=bundle or
// SKIFF_RUN=source forces either.
import { existsSync } from 'node:fs';

const root = new URL('../../', import.meta.url);
const bundle = new URL('dist/skiff.mjs', root);
const mode = process.env.SKIFF_RUN;
const useBundle = mode === 'bundle' || (mode !== 'source' && existsSync(bundle) && !existsSync(new URL('.git', root)));

if (useBundle) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli.ts');
}
