import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Metadata, MetadataValue } from '../schema/node.js';

export type FilterOperator = '==' | '!=' | '>' | '<' | '>=' | '<=' | 'in' | 'nin' | 'contains';

/** One condition on a metadata key, LlamaIndex-style. */
export interface MetadataFilter {
  key: string;
  value: MetadataValue;
  /** @default "==" */
  operator?: FilterOperator;
}

/**
 * Conditions combined with `and` (default) or `or`; groups nest.
 *
 * @example
 * const filters: MetadataFilters = { filters: [{ key: 'year', value: 2020, operator: '>=' }, { key: 'tag', value: ['a', 'b'], operator: 'in' }] };
 */
export interface MetadataFilters {
  filters: (MetadataFilter | MetadataFilters)[];
  /** @default "and" */
  condition?: 'and' | 'or';
}

const OPERATORS = new Set<FilterOperator>(['==', '!=', '>', '<', '>=', '<=', 'in', 'nin', 'contains']);

function isGroup(filter: MetadataFilter | MetadataFilters): filter is MetadataFilters {
  return Array.isArray((filter as MetadataFilters).filters);
}

function equal(a: MetadataValue | undefined, b: MetadataValue): boolean {
  return a === b || (typeof a === 'object' && a !== null && JSON.stringify(a) === JSON.stringify(b));
}

function compare(a: MetadataValue | undefined, b: MetadataValue, test: (order: number) => boolean): boolean {
  if (typeof a === 'number' && typeof b === 'number') return test(a - b);
  if (typeof a === 'string' && typeof b === 'string') return test(a < b ? -1 : a > b ? 1 : 0);
  return false;
}

/** Throws an {@link InvalidArgumentError} for an unknown operator or a malformed filter, before any search runs. */
export function validateFilters(filters: MetadataFilters | undefined): void {
  if (filters === undefined) return;
  if (!filters || !Array.isArray(filters.filters)) {
    throw new InvalidArgumentError(`Expected filters to be { filters: [...], condition?: "and" | "or" }, got ${describeValue(filters)}.`);
  }
  if (filters.condition !== undefined && filters.condition !== 'and' && filters.condition !== 'or') {
    throw new InvalidArgumentError(`Expected filter condition to be "and" or "or", got ${describeValue(filters.condition)}.`);
  }
  for (const filter of filters.filters) {
    if (isGroup(filter)) {
      validateFilters(filter);
      continue;
    }
    if (!filter || typeof filter.key !== 'string') {
      throw new InvalidArgumentError(`Expected each filter to have a string key, got ${describeValue(filter)}.`);
    }
    const operator = filter.operator ?? '==';
    if (!OPERATORS.has(operator)) {
      throw new InvalidArgumentError(
        `Unknown filter operator ${describeValue(operator)} for key "${filter.key}". Expected one of ${[...OPERATORS].join(', ')}.`,
      );
    }
    if ((operator === 'in' || operator === 'nin') && !Array.isArray(filter.value)) {
      throw new InvalidArgumentError(`Expected the value of an "${operator}" filter on "${filter.key}" to be an array, got ${describeValue(filter.value)}.`);
    }
  }
}

function matchOne(metadata: Metadata, filter: MetadataFilter): boolean {
  // Own keys only: `__proto__` or `constructor` must not match what every object inherits.
  const actual = Object.hasOwn(metadata, filter.key) ? metadata[filter.key] : undefined;
  const expected = filter.value;
  switch (filter.operator ?? '==') {
    case '==':
      return equal(actual, expected);
    case '!=':
      return !equal(actual, expected);
    case '>':
      return compare(actual, expected, (o) => o > 0);
    case '<':
      return compare(actual, expected, (o) => o < 0);
    case '>=':
      return compare(actual, expected, (o) => o >= 0);
    case '<=':
      return compare(actual, expected, (o) => o <= 0);
    case 'in':
      return (expected as MetadataValue[]).some((v) => equal(actual, v));
    case 'nin':
      return !(expected as MetadataValue[]).some((v) => equal(actual, v));
    case 'contains':
      if (Array.isArray(actual)) return actual.some((v) => equal(v, expected));
      return typeof actual === 'string' && typeof expected === 'string' && actual.includes(expected);
  }
}

/** Whether `metadata` satisfies `filters` (validate them first with {@link validateFilters}). */
export function matchesFilters(metadata: Metadata, filters: MetadataFilters): boolean {
  const test = (f: MetadataFilter | MetadataFilters) => (isGroup(f) ? matchesFilters(metadata, f) : matchOne(metadata, f));
  return filters.condition === 'or' ? filters.filters.some(test) : filters.filters.every(test);
}
