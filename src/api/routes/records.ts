import type { RecordData } from '../../protocol/record.js';
import {
  describedBody,
  describedResponses,
  NoContent,
  RecordBody,
  RecordListQuery,
  RecordPage,
  RecordPatch,
  routeParams,
  StoredRecord,
  type ZodApp,
} from '../contract.js';
import { FlowrunError } from '../../protocol/errors.js';
import type { AppDeps } from '../app-deps.js';
import { parseInput } from '../parse-input.js';

const view = (record: RecordData) => ({
  id: record.id,
  name: record.name,
  type: record.type,
  metadata: record.metadata,
  createdAt: record.createdAt ?? null,
  updatedAt: record.updatedAt ?? null,
});

/** `/v1/records`: the records flows run over (`recordMode: existing|create`, the record steps). */
export function registerRecordRoutes(app: ZodApp, deps: AppDeps): void {
  const now = () => new Date(deps.clock.now()).toISOString();
  app.post(
    '/v1/records',
    { schema: { body: describedBody(RecordBody), response: describedResponses({ 201: StoredRecord }) } },
    async (request, reply) => {
      const body = parseInput(RecordBody, request.body);
      return reply.status(201).send(view(await deps.store.createRecord(request.scope, body, deps.ids.next('record'), now())));
    },
  );
  app.get('/v1/records', { schema: { response: describedResponses({ 200: RecordPage }) } }, async (request) => {
    const query = parseInput(RecordListQuery, request.query, ['query']);
    const { items, total } = await deps.store.listRecords(request.scope, query);
    return {
      data: items.map(view),
      pagination: { limit: query.limit, offset: query.offset, total, hasMore: query.offset + items.length < total },
    };
  });
  app.get(
    '/v1/records/:id',
    { schema: { params: routeParams('id'), response: describedResponses({ 200: StoredRecord }) } },
    async (request) => {
      const record = await deps.store.getRecord(request.scope, request.params.id);
      if (!record) throw new FlowrunError('NOT_FOUND', 'Record not found');
      return view(record);
    },
  );
  // PATCH replaces the fields it names; `metadata` is replaced whole (send the merged object to merge).
  // Runtype's verb is PUT (fields given are changed); PATCH is the same handler.
  app.route({
    method: ['PATCH', 'PUT'],
    url: '/v1/records/:id',
    schema: { params: routeParams('id'), body: describedBody(RecordPatch), response: describedResponses({ 200: StoredRecord }) },
    handler: async (request) => {
      const body = parseInput(RecordPatch, request.body);
      const record = await deps.store.updateRecord(request.scope, request.params.id, body, now());
      if (!record) throw new FlowrunError('NOT_FOUND', 'Record not found');
      return view(record);
    },
  });
  app.delete(
    '/v1/records/:id',
    { schema: { params: routeParams('id'), response: describedResponses({ 204: NoContent }) } },
    async (request, reply) => {
      if (!(await deps.store.deleteRecord(request.scope, request.params.id))) throw new FlowrunError('NOT_FOUND', 'Record not found');
      return reply.status(204).send();
    },
  );
}
