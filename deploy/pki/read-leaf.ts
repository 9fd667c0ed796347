/**
 * Reads an issued leaf's PEM texts back from `<data-dir>/tls/` (what a
 * component given its cert and key, or a test, needs).
 */
import { readFile } from 'node:fs/promises';
import { leafPaths } from './layout.ts';

/** The cert and key PEM texts of leaf `name` (e.g. CERT.admin) under `dataDir`. Throws the fs error if either file is missing. */
export async function readLeafPair(dataDir: string, name: string): Promise<{ cert: string; key: string }> {
  const p = leafPaths(dataDir, name);
  return { cert: await readFile(p.cert, 'utf8'), key: await readFile(p.key, 'utf8') };
}
