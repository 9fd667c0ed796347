#!/usr/bin/env node
// Entry point for the `skiff` command: registers the tsx loader so the
// TypeScript sources run directly, then hands off to deploy/cli.ts.
import { register } from 'tsx/esm/api';

register();
await import('../cli.ts');
