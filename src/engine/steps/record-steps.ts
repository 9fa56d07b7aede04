import { FlowrunError } from '../../protocol/errors.js';
import type { StepOf } from '../../protocol/flow.js';
import type { RecordData } from '../../protocol/record.js';
import type { RecordFilter } from '../../protocol/record-filter.js';
import { matchesRecordFilter } from '../record-filter.js';
import type { StepContext, StepRunner } from '../run-context.js';
import { lookupPath, renderValue } from '../template.js';

export const view = (record: RecordData) => ({ id: record.id, name: record.name, type: record.type, metadata: record.metadata });

async function locate(
  context: StepContext,
  recordId: string | undefined,
  filter: RecordFilter | undefined,
  fallbackType?: string,
  fallbackName?: string,
): Promise<RecordData | null> {
  const scope = context.request.scope;
  if (recordId) return context.deps.records.get(scope, recordId);
  const type = filter?.type ?? fallbackType;
  const name = filter?.name ?? fallbackName;
  if (!type && !name) {
    const own = context.request.record;
    return own.id ? context.deps.records.get(scope, own.id) : own;
  }
  const found = await context.deps.records.find(scope, type, name);
  if (found && filter?.where) return matchesRecordFilter(found, filter.where, context.deps.clock.now()) ? found : null;
  return found;
}

export const runRetrieveRecord: StepRunner<StepOf<'retrieve-record'>> = async (step, context) => {
  const unresolved: string[] = [];
  const config = renderValue(step.config, context.scope(), unresolved) as typeof step.config;
  context.checkVariables(unresolved);
  const record = await locate(context, config.recordId, config.recordFilter, config.recordType, config.recordName);
  return { result: record ? view(record) : null, unresolved };
};

export const runUpsertRecord: StepRunner<StepOf<'upsert-record'>> = async (step, context) => {
  const unresolved: string[] = [];
  const scope = context.scope();
  const config = renderValue(step.config, scope, unresolved) as typeof step.config;
  context.checkVariables(unresolved);
  const source = config.sourceVariable ? lookupPath(scope, config.sourceVariable) : config.metadata;
  const metadata =
    source !== null && typeof source === 'object' && !Array.isArray(source)
      ? (source as Record<string, unknown>)
      : { value: source ?? null };
  const existing = await context.deps.records.find(context.request.scope, config.recordType, config.recordName);
  if (!existing) {
    const created = await context.deps.records.create(context.request.scope, {
      name: config.recordName,
      type: config.recordType,
      metadata,
    });
    return { result: { ...view(created), created: true }, unresolved };
  }
  const updated = await context.deps.records.update(context.request.scope, existing.id!, {
    metadata: config.mergeStrategy === 'replace' ? metadata : { ...existing.metadata, ...metadata },
  });
  return { result: { ...view(updated!), created: false }, unresolved };
};

export const runUpdateRecord: StepRunner<StepOf<'update-record'>> = async (step, context) => {
  const unresolved: string[] = [];
  const config = renderValue(step.config, context.scope(), unresolved) as typeof step.config;
  context.checkVariables(unresolved);
  const record = await locate(context, config.recordId, config.recordFilter);
  if (!record || !record.id)
    throw new FlowrunError(
      'NOT_FOUND',
      `update-record step '${step.name}': no stored record matched${record && !record.id ? " (the run's record is virtual)" : ''}`,
    );
  const metadata = config.mergeStrategy === 'replace' ? config.updates : { ...record.metadata, ...config.updates };
  const updated = await context.deps.records.update(context.request.scope, record.id, { metadata });
  return { result: view(updated!), unresolved };
};
