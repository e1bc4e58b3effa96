import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Metadata } from './node.js';

/** Metadata objects already checked: nodes split from one document share its object. */
const checked = new WeakSet<object>();

const JSON_VALUES = 'metadata values must be JSON: strings, finite numbers, booleans, null, arrays and plain objects';

/**
 * Metadata is stored in IndexedDB, hashed as JSON, copied to workers and written into snapshots:
 * only JSON values survive all four. Throws an {@link InvalidArgumentError} naming the key of the
 * first value that does not (a function, a Symbol, a BigInt, NaN, a Date or Map, a cycle, a getter
 * that throws), instead of a raw TypeError or DataCloneError later and far away.
 */
export function checkMetadata(metadata: unknown, owner?: string): Metadata {
  if (metadata === undefined) return {};
  if (typeof metadata === 'object' && metadata !== null && checked.has(metadata)) return metadata as Metadata;
  // The label is made only here, off the hot path of nodes whose metadata was checked already.
  const where = owner === undefined ? 'metadata' : `metadata of "${owner}"`;
  if (!isPlainObject(metadata)) throw new InvalidArgumentError(`Expected ${where} to be a plain object, got ${describeValue(metadata)}.`);
  walk(metadata, where, []);
  checked.add(metadata);
  return metadata as Metadata;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function walk(value: unknown, path: string, ancestors: object[]): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidArgumentError(`${path} is ${value}; ${JSON_VALUES}. Store it as null or a string.`);
      return;
    case 'object': {
      if (value === null) return;
      if (ancestors.includes(value)) throw new InvalidArgumentError(`${path} refers back to itself (a cycle); ${JSON_VALUES}.`);
      const isArray = Array.isArray(value);
      if (!isArray && !isPlainObject(value)) {
        throw new InvalidArgumentError(`${path} is ${describeValue(value)}; ${JSON_VALUES}. Convert it first (e.g. a Date with toISOString()).`);
      }
      ancestors.push(value);
      const keys = isArray ? [...value.keys()] : Object.keys(value);
      for (const key of keys) {
        let child: unknown;
        try {
          child = (value as Record<string | number, unknown>)[key];
        } catch (error) {
          throw new InvalidArgumentError(`Reading ${path}${isArray ? `[${key}]` : `.${key}`} threw (${(error as Error)?.message ?? error}); ${JSON_VALUES}.`, { cause: error });
        }
        walk(child, isArray ? `${path}[${key}]` : `${path}.${key}`, ancestors);
      }
      ancestors.pop();
      return;
    }
    default:
      throw new InvalidArgumentError(`${path} is a ${typeof value}; ${JSON_VALUES}.`);
  }
}
