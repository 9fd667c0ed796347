/**
 * Schemas of the built-in kinds (generated from maintained packages; see
 * generate.ts) and the decode-time check that uses them. Imports nothing
 * above api/.
 */
export { builtinCatalog, refName, SchemaCatalog, type KindSchema } from './catalog.ts';
export { checkAndPrune, decodeError, type CheckResult, type FieldValidation } from './check.ts';
export { parseFieldValidation, warningHeader, type WriteOptionsKind } from './field-validation.ts';
export type { Definitions, Schema, SchemaGVK } from './types.ts';
export { refPrefix } from './types.ts';
