/**
 * Reads kubernetes-types' declaration files with the TypeScript compiler API
 * and turns every exported interface and type alias into an OpenAPI v2
 * definition named as Kubernetes names it (`io.k8s.api.core.v1.Pod`): doc
 * comments become `description`, non-optional members `required`,
 * `Array<T>` an array, `{[name: string]: T}` a map (`additionalProperties`),
 * `number | string` the IntOrString definition, and the literal
 * `apiVersion`/`kind` members of top-level kinds
 * `x-kubernetes-group-version-kind`. Numbers are left as `number` here;
 * formats.ts decides integer vs number.
 */
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import type { Schema, SchemaGVK } from '../types.ts';
import { refPrefix } from '../types.ts';

/** One kubernetes-types module (path under the package, no extension) and its Kubernetes OpenAPI name prefix. */
export interface SourcePackage {
  module: string;
  prefix: string;
}

/** The definition of IntOrString, which kubernetes-types inlines as `number | string` (k8s.io/apimachinery/pkg/util/intstr). */
export const intOrStringName = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

const intOrString: Schema = {
  description: 'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
  type: 'string',
  format: 'int-or-string',
};

/** String aliases with a wire format (kube-openapi's OpenAPIDefinition of metav1.Time and MicroTime). */
const aliasFormats: Record<string, string> = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': 'date-time',
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': 'date-time',
};

/** A number member found while reading: the definition and property it sits in, for formats.ts. */
export interface NumberSite {
  definition: string;
  property: string;
  schema: Schema;
}

/** What the reader produced: the definitions and every number leaf awaiting a format. */
export interface ReadResult {
  definitions: Record<string, Schema>;
  numbers: NumberSite[];
}

/**
 * Reads `packages` from the kubernetes-types directory `typesDir`. Throws if
 * a type refers to a module not in `packages` or has a shape the mapping
 * does not know (so a kubernetes-types upgrade cannot silently drop fields).
 */
export function readTypes(typesDir: string, packages: SourcePackage[]): ReadResult {
  const files = packages.map((p) => join(typesDir, `${p.module}.d.ts`));
  const program = ts.createProgram(files, { noEmit: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const prefixOf = new Map(packages.map((p) => [join(typesDir, `${p.module}.d.ts`), p.prefix]));
  const definitions: Record<string, Schema> = { [intOrStringName]: intOrString };
  const numbers: NumberSite[] = [];

  const docOf = (node: ts.Node): string | undefined => {
    const sym = (node as ts.Node & { name?: ts.Node }).name ? checker.getSymbolAtLocation((node as ts.Node & { name: ts.Node }).name) : undefined;
    const text = sym ? ts.displayPartsToString(sym.getDocumentationComment(checker)).trim() : '';
    return text === '' ? undefined : text;
  };

  const refName = (name: ts.EntityName): string => {
    let sym = checker.getSymbolAtLocation(name);
    if (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
    const decl = sym?.declarations?.[0];
    if (!sym || !decl) throw new Error(`unresolved type ${name.getText()}`);
    const file = decl.getSourceFile().fileName;
    const prefix = prefixOf.get(file);
    if (!prefix) throw new Error(`type ${sym.name} comes from ${relative(typesDir, file)}, which is not a listed package`);
    return `${prefix}.${sym.name}`;
  };

  const typeSchema = (node: ts.TypeNode, site: Omit<NumberSite, 'schema'>): Schema => {
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: 'string' };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: 'boolean' };
      case ts.SyntaxKind.NumberKeyword: {
        const s: Schema = { type: 'number' };
        numbers.push({ ...site, schema: s });
        return s;
      }
      case ts.SyntaxKind.LiteralType:
        if (ts.isStringLiteral((node as ts.LiteralTypeNode).literal)) return { type: 'string' };
        break;
      case ts.SyntaxKind.ArrayType:
        return { type: 'array', items: typeSchema((node as ts.ArrayTypeNode).elementType, site) };
      case ts.SyntaxKind.UnionType: {
        const kinds = (node as ts.UnionTypeNode).types.map((t) => t.kind).sort();
        if (kinds.length === 2 && kinds.includes(ts.SyntaxKind.NumberKeyword) && kinds.includes(ts.SyntaxKind.StringKeyword)) return { $ref: refPrefix + intOrStringName };
        break;
      }
      case ts.SyntaxKind.TypeLiteral: {
        const members = (node as ts.TypeLiteralNode).members;
        const index = members.length === 1 ? members[0] : undefined;
        if (index && ts.isIndexSignatureDeclaration(index) && index.type) return { type: 'object', additionalProperties: typeSchema(index.type, site) };
        break;
      }
      case ts.SyntaxKind.TypeReference: {
        const ref = node as ts.TypeReferenceNode;
        if (ts.isIdentifier(ref.typeName) && ref.typeName.text === 'Array' && ref.typeArguments?.length === 1) {
          return { type: 'array', items: typeSchema(ref.typeArguments[0]!, site) };
        }
        return { $ref: refPrefix + refName(ref.typeName) };
      }
      default:
        break;
    }
    throw new Error(`${site.definition}.${site.property}: unsupported type ${ts.SyntaxKind[node.kind]} (${node.getText()})`);
  };

  const gvkOf = (members: ts.NodeArray<ts.TypeElement>): SchemaGVK | undefined => {
    const literal = (name: string): string | undefined => {
      const m = members.find((x) => ts.isPropertySignature(x) && x.name.getText() === name) as ts.PropertySignature | undefined;
      const t = m?.type;
      return t && ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal) ? t.literal.text : undefined;
    };
    const apiVersion = literal('apiVersion');
    const kind = literal('kind');
    if (!apiVersion || !kind) return undefined;
    const slash = apiVersion.lastIndexOf('/');
    return { group: slash < 0 ? '' : apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1), kind };
  };

  for (const pkg of packages) {
    const source = program.getSourceFile(join(typesDir, `${pkg.module}.d.ts`));
    if (!source) throw new Error(`kubernetes-types has no ${pkg.module}.d.ts`);
    for (const stmt of source.statements) {
      if (ts.isInterfaceDeclaration(stmt)) {
        const name = `${pkg.prefix}.${stmt.name.text}`;
        const def: Schema = { type: 'object' };
        const description = docOf(stmt);
        if (description) def.description = description;
        const props: Record<string, Schema> = {};
        const required: string[] = [];
        const members = [...stmt.members].filter(ts.isPropertySignature).sort((a, b) => (a.name.getText() < b.name.getText() ? -1 : 1));
        for (const m of members) {
          const prop = m.name.getText().replace(/^"(.*)"$/, '$1');
          if (!m.type) throw new Error(`${name}.${prop} has no type`);
          const s = typeSchema(m.type, { definition: name, property: prop });
          const d = docOf(m);
          if (d) s.description = d;
          props[prop] = s;
          if (!m.questionToken) required.push(prop);
        }
        if (members.length > 0) def.properties = props;
        if (required.length > 0) def.required = required;
        const gvk = gvkOf(stmt.members);
        if (gvk) def['x-kubernetes-group-version-kind'] = [gvk];
        definitions[name] = def;
      } else if (ts.isTypeAliasDeclaration(stmt)) {
        const name = `${pkg.prefix}.${stmt.name.text}`;
        const s = typeSchema(stmt.type, { definition: name, property: '' });
        const description = docOf(stmt);
        if (description) s.description = description;
        const format = aliasFormats[name];
        if (format) s.format = format;
        definitions[name] = s;
      }
    }
  }
  return { definitions, numbers };
}

/** The kubernetes-types package directory, resolved from node_modules next to `from`. */
export function kubernetesTypesDir(resolvePackageJson: (name: string) => string): string {
  return dirname(resolvePackageJson('kubernetes-types/package.json'));
}
