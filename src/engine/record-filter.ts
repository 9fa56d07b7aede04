import type { RecordData } from '../protocol/record.js';
import type { RecordFilterCondition, RecordFilterWhere } from '../protocol/record-filter.js';
import { lookupPath } from './template.js';

const dayMs = 86_400_000;
const columns: Record<string, (record: RecordData) => unknown> = {
  id: (record) => record.id,
  name: (record) => record.name,
  type: (record) => record.type,
  createdAt: (record) => record.createdAt,
  updatedAt: (record) => record.updatedAt,
};

/** A condition's field on a record: a column, or a path into the metadata (`metadata.` may prefix it). */
function fieldOf(record: RecordData, field: string): unknown {
  const column = columns[field];
  if (column) return column(record);
  return lookupPath(record.metadata, field.startsWith('metadata.') ? field.slice('metadata.'.length) : field);
}

const isSet = (value: unknown) => value !== undefined && value !== null;
const same = (left: unknown, right: unknown) =>
  left === right || (typeof left === 'object' && left !== null && JSON.stringify(left) === JSON.stringify(right));

/** Numbers compare as numbers (numeric text too), everything else as text; -1, 0, 1, or NaN when either is missing. */
function compare(left: unknown, right: unknown): number {
  if (!isSet(left) || !isSet(right)) return Number.NaN;
  const [a, b] = [Number(left), Number(right)];
  if (typeof left !== 'boolean' && typeof right !== 'boolean' && !Number.isNaN(a) && !Number.isNaN(b) && left !== '' && right !== '')
    return Math.sign(a - b);
  const [x, y] = [String(left), String(right)];
  return x < y ? -1 : x > y ? 1 : 0;
}

const text = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : undefined);

function contains(actual: unknown, value: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((item) => same(item, value));
  const [haystack, needle] = [text(actual), text(typeof value === 'number' ? String(value) : value)];
  return haystack !== undefined && needle !== undefined && haystack.includes(needle);
}

function ageMs(actual: unknown, now: number): number {
  const time = typeof actual === 'string' || typeof actual === 'number' ? new Date(actual).getTime() : Number.NaN;
  return now - time;
}

type Test = (actual: unknown, value: unknown, now: number) => boolean;
const operators: Record<RecordFilterCondition['op'], Test> = {
  eq: (actual, value) => same(actual, value),
  neq: (actual, value) => !same(actual, value),
  gt: (actual, value) => compare(actual, value) > 0,
  gte: (actual, value) => compare(actual, value) >= 0,
  lt: (actual, value) => compare(actual, value) < 0,
  lte: (actual, value) => compare(actual, value) <= 0,
  between: (actual, value) => {
    const [low, high] = value as [unknown, unknown];
    return compare(actual, low) >= 0 && compare(actual, high) <= 0;
  },
  contains,
  startsWith: (actual, value) => text(actual)?.startsWith(text(value) ?? '\u0000') ?? false,
  endsWith: (actual, value) => text(actual)?.endsWith(text(value) ?? '\u0000') ?? false,
  in: (actual, value) => (value as unknown[]).some((item) => same(actual, item)),
  notIn: (actual, value) => !(value as unknown[]).some((item) => same(actual, item)),
  isSet: (actual) => isSet(actual),
  isNotSet: (actual) => !isSet(actual),
  isTrue: (actual) => actual === true,
  isFalse: (actual) => actual === false,
  withinLastDays: (actual, value, now) => ageMs(actual, now) <= Number(value) * dayMs,
  olderThanDays: (actual, value, now) => ageMs(actual, now) > Number(value) * dayMs,
};

/** Whether a record meets a `where` (a condition, or an `and` / `or` group of them); `now` for the day operators. */
export function matchesRecordFilter(record: RecordData, where: RecordFilterWhere, now: number): boolean {
  if ('conditions' in where) {
    const results = where.conditions.map((condition) => matchesRecordFilter(record, condition, now));
    return where.op === 'and' ? results.every(Boolean) : results.some(Boolean);
  }
  return operators[where.op](fieldOf(record, where.field), where.value, now);
}
