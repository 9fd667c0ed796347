/**
 * Makes a resource definition total over any JSON body (defense in depth
 * under the schema check): the object's shape (shapes.ts) is checked before
 * any strategy hook reads it, so a wrongly typed field is a 422 Invalid with
 * its path, never a TypeError (500). Table cells and field selectors of an
 * object that does not fit (stored before this check existed) degrade to
 * `<unknown>` cells and empty fields instead of failing the whole list.
 */
import type { KubeObject } from '../../api/object.ts';
import { invalid, StatusError } from '../../api/errors.ts';
import type { ResourceDef, Strategy } from '../types.ts';
import { compileShape, type Shape } from './shape.ts';

function nameOf(o: KubeObject): string {
  const n: unknown = o.metadata?.name;
  return typeof n === 'string' ? n : '';
}

/**
 * Wraps `def`'s strategy and table with the shape check: prepare hooks throw
 * 422 Invalid for a misfit; validate hooks return its causes instead of
 * running; cells render `<unknown>` for a misfit or a non-Status failure.
 */
export function guardResource<T extends KubeObject>(def: ResourceDef<T>, shape: Shape | undefined): ResourceDef<T> {
  if (!shape) return def;
  const s = def.strategy;
  const checker = compileShape(shape);
  const causesOf = checker.causes;
  const check = (o: T): void => {
    const causes = causesOf(o);
    if (causes.length > 0) throw invalid(def.kind, def.group, nameOf(o), causes);
  };
  const fits = (o: T): boolean => checker.fits(o);
  const strategy: Strategy<T> = {
    ...s,
    prepareForCreate: (o, user) => { check(o); s.prepareForCreate?.(o, user); },
    prepareForUpdate: (n, o) => { check(n); s.prepareForUpdate?.(n, o); },
    prepareForStatusUpdate: (n, o) => { check(n); s.prepareForStatusUpdate?.(n, o); },
  };
  if (s.validate) {
    const v = s.validate;
    strategy.validate = (o) => { const c = causesOf(o); return c.length > 0 ? c : v(o); };
  }
  if (s.validateUpdate) {
    const v = s.validateUpdate;
    strategy.validateUpdate = (n, o) => {
      const c = causesOf(n);
      if (c.length > 0) return c;
      // A stored object of the wrong shape is compared by the create rules only.
      return fits(o) ? v(n, o) : (s.validate?.(n) ?? []);
    };
  }
  if (s.selectableFields) {
    const f = s.selectableFields;
    strategy.selectableFields = (o) => (fits(o) ? f(o) : {});
  }
  const cells = def.table.cells;
  const unknown = (): unknown[] => def.table.columns.map(() => '<unknown>');
  return {
    ...def,
    strategy,
    table: {
      ...def.table,
      cells: (o, now) => {
        if (!fits(o)) return unknown();
        try {
          return cells(o, now);
        } catch (e) {
          if (e instanceof StatusError) throw e;
          return unknown();
        }
      },
    },
  };
}
