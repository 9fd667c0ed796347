import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The layering of ../shared/DESIGN.md: imports only point down. api/ is the
// leaf; storage/ and client/ may import only api/ (and themselves). Test files
// may use test helpers, so only the code that ships is checked.
const here = dirname(fileURLToPath(import.meta.url));
const allowed: Record<string, string[]> = {
  api: ['api'],
  storage: ['api', 'storage'],
  client: ['api', 'client'],
};

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.includes('.test-')) out.push(p);
  }
  return out;
}

/** The relative import specifiers of a TypeScript source (static and dynamic). */
function relativeImports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']*)'/g)) out.push(m[1]);
  return out;
}

test('apiserver layers import only downwards (api/ is the leaf)', () => {
  const violations: string[] = [];
  for (const [layer, ok] of Object.entries(allowed)) {
    for (const file of sources(join(here, layer))) {
      for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
        const target = relative(here, resolve(dirname(file), spec));
        const top = target.split('/')[0];
        if (target.startsWith('..') || !ok.includes(top)) violations.push(`${relative(here, file)} imports ${spec}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('the import scanner sees static, type-only and dynamic imports', () => {
  const text = "import a from './x.ts';\nimport type { B } from '../y.ts';\nconst c = await import('../../z.ts');\nimport x from 'node:fs';";
  assert.deepEqual(relativeImports(text), ['./x.ts', '../y.ts', '../../z.ts']);
});
