import { test } from 'node:test';
import assert from 'node:assert/strict';
import './reflect-metadata.ts';

type Meta = {
  defineMetadata(k: unknown, v: unknown, t: object): void;
  getMetadata(k: unknown, t: object): unknown;
  getOwnMetadata(k: unknown, t: object): unknown;
};

test('the shim stores metadata per target and getMetadata walks the prototype chain, getOwnMetadata does not', () => {
  const r = Reflect as unknown as Meta;
  class Base {}
  class Child extends Base {}
  r.defineMetadata('k', 'base', Base);
  assert.equal(r.getMetadata('k', Base), 'base');
  assert.equal(r.getMetadata('k', Child), 'base');
  assert.equal(r.getOwnMetadata('k', Child), undefined);
  r.defineMetadata('k', 'child', Child);
  assert.equal(r.getMetadata('k', Child), 'child');
  assert.equal(r.getMetadata('other', Child), undefined);
});
