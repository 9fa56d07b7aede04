import { z } from 'zod';

/** The 18 operators of Runtype's `RecordFilterCondition.op`. */
export const recordFilterOperators = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'contains',
  'startsWith',
  'endsWith',
  'in',
  'notIn',
  'isSet',
  'isNotSet',
  'isTrue',
  'isFalse',
  'withinLastDays',
  'olderThanDays',
] as const;
export type RecordFilterOperator = (typeof recordFilterOperators)[number];

/** Operators that take no value. */
const valuelessOperators = new Set<RecordFilterOperator>(['isSet', 'isNotSet', 'isTrue', 'isFalse']);

/**
 * One condition on a record: `field` is a metadata path (`plan`, `address.city`) or a column (`id`, `name`, `type`,
 * `createdAt`, `updatedAt`); `op` defaults to `eq`. The value is checked against what the operator takes.
 */
export const RecordFilterCondition = z
  .object({
    field: z.string().regex(/^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,63}$/, 'a field is a metadata path or a column: letters, digits, _ . -'),
    op: z.enum(recordFilterOperators).default('eq'),
    value: z.unknown().optional(),
  })
  .superRefine((condition, context) => {
    const { op, value } = condition;
    const fail = (message: string) => context.addIssue({ code: 'custom', path: ['value'], message });
    if (valuelessOperators.has(op)) return;
    if (op === 'between') {
      if (!Array.isArray(value) || value.length !== 2) fail('between takes value: [low, high]');
    } else if (op === 'in' || op === 'notIn') {
      if (!Array.isArray(value)) fail(`${op} takes value: a list`);
    } else if (op === 'withinLastDays' || op === 'olderThanDays') {
      if (typeof value !== 'number' || !(value >= 0)) fail(`${op} takes value: a number of days`);
    } else if (value === undefined && op !== 'eq' && op !== 'neq') {
      fail(`${op} needs a value`);
    }
  });
export type RecordFilterCondition = z.infer<typeof RecordFilterCondition>;

/** A group of conditions joined by `and` or `or`; groups nest one level, as Runtype's do. */
const RecordFilterGroupOfConditions = z.object({
  op: z.enum(['and', 'or']),
  conditions: z.array(RecordFilterCondition).min(1).max(50),
});
export const RecordFilterGroup = z.object({
  op: z.enum(['and', 'or']),
  conditions: z
    .array(z.union([RecordFilterGroupOfConditions, RecordFilterCondition]))
    .min(1)
    .max(50),
});
export type RecordFilterGroup = z.infer<typeof RecordFilterGroup>;

export const RecordFilterWhere = z.union([RecordFilterGroup, RecordFilterCondition]);
export type RecordFilterWhere = z.infer<typeof RecordFilterWhere>;

/** Runtype's `recordFilter`: a type (and name) and a `where` of conditions. */
export const RecordFilter = z
  .object({
    type: z.string().max(255).optional(),
    name: z.string().max(500).optional(),
    where: RecordFilterWhere.optional(),
  })
  .loose();
export type RecordFilter = z.infer<typeof RecordFilter>;
