/**
 * Patch bodies of all four kinds the server accepts (merge, JSON, strategic
 * merge, server-side apply), built from a valid object of the target kind and
 * then made hostile: prototype keys, wrong types, bad directives, bad
 * pointers, non-object roots, YAML tricks.
 */
import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import { hostileValue, PROTO_KEYS } from './hostile.ts';
import { fromJs, obj, paths, pointer, toText, type Json } from './json-ast.ts';
import { applyMutations, mutations } from './mutate.ts';

/** A patch request body: its Content-Type and text. */
export interface PatchBody {
  contentType: string;
  body: string;
}

/** The Content-Types of the four patch kinds. */
export const PATCH_TYPES = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** Roots that are not objects, and objects that null out whole sections. */
const oddRoots: Json[] = [
  null, 42, 'x', true, [], [null], { entries: [] }, { entries: [['metadata', null]] }, { entries: [['metadata', 'x']] },
  { entries: [['spec', null]] }, { entries: [['metadata', { entries: [['labels', null]] }]] },
];

/** An object that reaches for the prototype through `key` at the top level or under metadata.labels / metadata.annotations. */
function protoPatch(): fc.Arbitrary<Json> {
  return fc.tuple(fc.constantFrom(...PROTO_KEYS), fc.constantFrom('top', 'labels', 'annotations', 'spec'), fc.constantFrom<Json>(
    { entries: [['polluted', 'yes']] }, { entries: [['prototype', { entries: [['polluted', 'yes']] }]] }, 'yes', null, [],
  )).map(([k, where, v]) => {
    const inner: Json = { entries: [[k, v]] };
    if (where === 'top') return inner;
    if (where === 'spec') return obj(['spec', inner]);
    return obj(['metadata', obj([where, inner])]);
  });
}

/** Strategic-merge directives, well-formed and not. */
function directives(): fc.Arbitrary<Json> {
  const dir = fc.constantFrom<Json>('delete', 'replace', 'merge', 'x', 42, null, '', { entries: [] });
  return fc.oneof(
    dir.map((d) => obj(['$patch', d])),
    dir.map((d) => obj(['metadata', obj(['labels', obj(['$patch', d])])])),
    dir.map((d) => obj(['spec', obj(['containers', [obj(['$patch', d], ['name', 'app'])]])])),
    fc.constantFrom<Json>([obj(['name', 'app'])], [42], [null], 'x', [], [obj(['name', 42])]).map((v) => obj(['$setElementOrder/containers', v], ['spec', obj(['containers', [obj(['name', 'app'])]])])),
    fc.constantFrom<Json>(['x'], [5], 'x', null, [obj(['a', 'b'])]).map((v) => obj(['$retainKeys', v])),
    fc.constantFrom<Json>('x', ['x'], [5], null).map((v) => obj(['$deleteFromPrimitiveList/finalizers', v], ['metadata', obj(['finalizers', ['a']])])),
    fc.constantFrom<Json>('x', [obj(['name', 'app'])], 5).map((v) => obj(['spec', obj(['$setElementOrder/containers', v])])),
    hostileValue().map((v) => obj(['spec', obj(['containers', v])])),
  );
}

/** A JSON pointer: one of the object's own paths, or a hostile one. */
function jsonPointer(base: Json): fc.Arbitrary<Json> {
  const own = paths(base, 500).filter((p) => p.length > 0).map(pointer);
  const hostile = [
    '/metadata/labels/__proto__', '/__proto__/polluted', '/metadata/__proto__/polluted', '/constructor/prototype/polluted',
    '/__proto__', '/spec/containers/-', '/spec/containers/999', '/spec/containers/-1', '/spec/containers/01', '', '/', 'noslash',
    '/metadata/labels/a~1b', '/metadata/labels/~2', '/metadata/name', '/metadata/namespace', '/metadata/uid', '/metadata/resourceVersion',
    '/kind', '/apiVersion', '/metadata/labels/x/y/z',
  ];
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...own) },
    { weight: 2, arbitrary: fc.constantFrom(...hostile) },
    { weight: 1, arbitrary: fc.constantFrom<Json>(5, null, ['/a'], { entries: [] }) },
  );
}

function jsonPatch(base: Json): fc.Arbitrary<Json> {
  const op = fc.constantFrom<Json>('add', 'remove', 'replace', 'move', 'copy', 'test', 'x', '', 5, null, 'ADD');
  const one: fc.Arbitrary<Json> = fc.tuple(op, jsonPointer(base), hostileValue(), jsonPointer(base), fc.nat(3)).map(([o, path, value, from, shape]) => {
    const entries: Array<[string, Json]> = [['op', o], ['path', path]];
    if (shape !== 1) entries.push(['value', value]);
    if (shape === 2 || o === 'move' || o === 'copy') entries.push(['from', from]);
    if (shape === 3) entries.push(['__proto__', obj(['polluted', 'yes'])]);
    return { entries };
  });
  return fc.oneof(
    { weight: 6, arbitrary: fc.array(one, { minLength: 1, maxLength: 4 }) },
    { weight: 1, arbitrary: fc.constantFrom<Json>(null, 42, 'x', { entries: [] }, [42], [null], [[]], [{ entries: [] }]) },
  );
}

/** A mutated copy of the valid object, or a fragment of it. */
function mutatedObject(valid: Record<string, unknown>): fc.Arbitrary<Json> {
  const base = fromJs(valid);
  return mutations().map((ms) => applyMutations(base, ms));
}

/** YAML-only hostility for apply patches: aliases, merge keys, tags, several documents, duplicate keys, tabs. */
const yamlGarbage = [
  'a: &a [1,2,3,4,5,6,7,8,9]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n',
  'base: &b {polluted: yes}\n__proto__: *b\n',
  '__proto__:\n  polluted: yes\n',
  'metadata:\n  labels:\n    __proto__: {polluted: yes}\n',
  'metadata:\n  <<: {name: x}\n',
  'metadata: !!binary aGVsbG8=\n',
  'metadata: !!js/function "function(){}"\n',
  '---\nmetadata: {name: a}\n---\nmetadata: {name: b}\n',
  'metadata: {name: a}\nmetadata: {name: b}\n',
  '? [a, b]\n: c\n',
  'metadata:\n\tname: tab\n',
  'x: *undefinedAlias\n',
  '%YAML 1.1\n---\nmetadata: {name: y}\n',
  '',
  '- a\n- b\n',
  'just a string',
  'spec:\n  replicas: 0x10\n',
  'spec:\n  replicas: .inf\n',
  'metadata:\n  name: yes\n',
];

/**
 * A patch of `kind` against an object like `valid`. `valid` must be a plain
 * JSON object of the target kind (with apiVersion and kind).
 */
export function patchBody(kind: keyof typeof PATCH_TYPES, valid: Record<string, unknown>): fc.Arbitrary<PatchBody> {
  const contentType = PATCH_TYPES[kind];
  const text = (a: fc.Arbitrary<Json>): fc.Arbitrary<PatchBody> => a.map((j) => ({ contentType, body: toText(j) }));
  switch (kind) {
    case 'merge':
      return fc.oneof({ weight: 5, arbitrary: text(mutatedObject(valid)) }, { weight: 2, arbitrary: text(protoPatch()) }, { weight: 1, arbitrary: text(fc.constantFrom(...oddRoots)) });
    case 'strategic':
      return fc.oneof({ weight: 4, arbitrary: text(mutatedObject(valid)) }, { weight: 3, arbitrary: text(directives()) }, { weight: 2, arbitrary: text(protoPatch()) }, { weight: 1, arbitrary: text(fc.constantFrom(...oddRoots)) });
    case 'json':
      return text(jsonPatch(fromJs(valid)));
    case 'apply':
      return fc.oneof(
        { weight: 4, arbitrary: text(mutatedObject(valid)) },
        { weight: 2, arbitrary: fc.constant(null).map(() => ({ contentType, body: toYaml(valid) })) },
        { weight: 2, arbitrary: text(protoPatch()) },
        { weight: 2, arbitrary: fc.constantFrom(...yamlGarbage).map((body) => ({ contentType, body })) },
        { weight: 1, arbitrary: text(fc.constantFrom(...oddRoots)) },
      );
  }
}
