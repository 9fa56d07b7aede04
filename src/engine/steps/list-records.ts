import type { StepOf } from '../../protocol/flow.js';
import { matchesRecordFilter } from '../record-filter.js';
import type { StepRunner } from '../run-context.js';
import { renderValue } from '../template.js';
import { view } from './record-steps.js';

/** How many records of the type a `where` is evaluated over (newest first); the rest are not searched. */
export const listRecordsScanLimit = 10_000;

/**
 * `list-records`: a page of the records of a type (and name), newest first. Without a `where` the store pages;
 * with one, the newest `listRecordsScanLimit` are filtered here (all 18 operators) and the page cut from them.
 */
export const runListRecords: StepRunner<StepOf<'list-records'>> = async (step, context) => {
  const unresolved: string[] = [];
  const config = renderValue(step.config, context.scope(), unresolved) as typeof step.config;
  context.checkVariables(unresolved);
  const type = config.recordFilter?.type ?? config.recordType;
  const name = config.recordFilter?.name ?? config.recordName;
  const { limit, offset } = config;
  const where = config.recordFilter?.where;
  const store = context.deps.records;
  const page = where
    ? await store.list(context.request.scope, { type, name, limit: listRecordsScanLimit, offset: 0 }).then(({ items }) => {
        const now = context.deps.clock.now();
        const matching = items.filter((record) => matchesRecordFilter(record, where, now));
        return { items: matching.slice(offset, offset + limit), total: matching.length };
      })
    : await store.list(context.request.scope, { type, name, limit, offset });
  const records = page.items.map(view);
  return {
    result: { records, total: page.total, count: records.length, limit, offset, hasMore: offset + records.length < page.total },
    unresolved,
  };
};
