import { PostgresAdapter, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * Migrations live in code so the compiled server carries them; each runs once, in name order. Epoch milliseconds,
 * durations and credit amounts are 'bigint': PostgreSQL's integer stops at 2^31; in SQLite both names mean the same
 * 64-bit INTEGER, so files made before that choice read alike.
 */
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('tenant_id', 'text', (column) => column.notNull())
        .addColumn('mode', 'text', (column) => column.notNull())
        .addColumn('name', 'text')
        .addColumn('key_hash', 'text', (column) => column.notNull().unique())
        .addColumn('key_prefix', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createTable('flows')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('tenant_id', 'text', (column) => column.notNull())
        .addColumn('mode', 'text', (column) => column.notNull())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('description', 'text')
        .addColumn('current_version_id', 'text')
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull())
        .execute();
      await db.schema.createIndex('flows_by_name').on('flows').columns(['tenant_id', 'mode', 'name']).execute();
      await db.schema
        .createTable('flow_versions')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('flow_id', 'text', (column) => column.notNull())
        .addColumn('version', 'integer', (column) => column.notNull())
        .addColumn('definition', 'text', (column) => column.notNull())
        .addColumn('definition_hash', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addUniqueConstraint('flow_versions_number', ['flow_id', 'version'])
        .execute();
      await db.schema
        .createTable('records')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('tenant_id', 'text', (column) => column.notNull())
        .addColumn('mode', 'text', (column) => column.notNull())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('type', 'text', (column) => column.notNull())
        .addColumn('metadata', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull())
        .execute();
      await db.schema
        .createTable('executions')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('tenant_id', 'text', (column) => column.notNull())
        .addColumn('mode', 'text', (column) => column.notNull())
        .addColumn('flow_id', 'text')
        .addColumn('flow_version_id', 'text')
        .addColumn('flow_name', 'text', (column) => column.notNull())
        .addColumn('record_id', 'text')
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('dialect', 'text', (column) => column.notNull())
        .addColumn('input', 'text', (column) => column.notNull())
        .addColumn('output', 'text')
        .addColumn('final_output', 'text')
        .addColumn('usage', 'text')
        .addColumn('error', 'text')
        .addColumn('variables', 'text')
        .addColumn('total_steps', 'integer', (column) => column.notNull())
        .addColumn('last_seq', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('started_at', 'text')
        .addColumn('completed_at', 'text')
        .addColumn('duration_ms', 'bigint')
        .execute();
      await db.schema.createIndex('executions_by_tenant').on('executions').columns(['tenant_id', 'mode', 'created_at']).execute();
      await db.schema
        .createTable('execution_steps')
        .addColumn('execution_id', 'text', (column) => column.notNull())
        .addColumn('step_index', 'integer', (column) => column.notNull())
        .addColumn('step_id', 'text', (column) => column.notNull())
        .addColumn('step_type', 'text', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('result', 'text')
        .addColumn('error', 'text')
        .addColumn('usage', 'text')
        .addColumn('started_at', 'text', (column) => column.notNull())
        .addColumn('duration_ms', 'bigint', (column) => column.notNull())
        .addPrimaryKeyConstraint('execution_steps_pk', ['execution_id', 'step_index'])
        .execute();
      await db.schema
        .createTable('execution_events')
        .addColumn('execution_id', 'text', (column) => column.notNull())
        .addColumn('seq', 'integer', (column) => column.notNull())
        .addColumn('type', 'text', (column) => column.notNull())
        .addColumn('data', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('execution_events_pk', ['execution_id', 'seq'])
        .execute();
    },
  },
  '0002_step_variables': {
    // A checkpoint is one row: the run's variables move from the execution to the step that produced them.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('execution_steps').addColumn('variables', 'text').execute();
      await db.schema.alterTable('executions').dropColumn('variables').execute();
    },
  },
  '0003_tools_and_pauses': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('tools')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('tenant_id', 'text', (column) => column.notNull())
        .addColumn('mode', 'text', (column) => column.notNull())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('description', 'text', (column) => column.notNull())
        .addColumn('tool_type', 'text', (column) => column.notNull())
        .addColumn('parameters_schema', 'text', (column) => column.notNull())
        .addColumn('config', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull())
        .addUniqueConstraint('tools_name', ['tenant_id', 'mode', 'name'])
        .execute();
      await db.schema.alterTable('execution_steps').addColumn('tool_calls', 'text').execute();
      await db.schema.alterTable('executions').addColumn('pause_state', 'text').execute();
      await db.schema.alterTable('executions').addColumn('parent_execution_id', 'text').execute();
      await db.schema.alterTable('executions').addColumn('parent_tool_call_id', 'text').execute();
    },
  },
  '0004_agents': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('agents')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('tenant_id', 'text', (column) => column.notNull())
        .addColumn('mode', 'text', (column) => column.notNull())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('description', 'text')
        .addColumn('definition', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull())
        .execute();
      await db.schema
        .alterTable('executions')
        .addColumn('kind', 'text', (column) => column.notNull().defaultTo('flow'))
        .execute();
      await db.schema.alterTable('executions').addColumn('agent', 'text').execute();
      await db.schema.createIndex('executions_by_parent').on('executions').column('parent_execution_id').execute();
    },
  },
  '0005_shuttle': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('flows').addColumn('slug', 'text').execute();
      await db.schema.createIndex('flows_by_slug').on('flows').columns(['tenant_id', 'mode', 'slug']).unique().execute();
      await db.schema
        .alterTable('flow_versions')
        .addColumn('locked', 'integer', (column) => column.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('environments')
        .addColumn('tenant_id', 'text', (column) => column.notNull())
        .addColumn('mode', 'text', (column) => column.notNull())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('environments_pk', ['tenant_id', 'mode', 'name'])
        .execute();
      await db.schema
        .createTable('flow_environments')
        .addColumn('flow_id', 'text', (column) => column.notNull())
        .addColumn('environment', 'text', (column) => column.notNull())
        .addColumn('version_id', 'text', (column) => column.notNull())
        .addColumn('activated_at', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('flow_environments_pk', ['flow_id', 'environment'])
        .execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('tenant_id', 'text', (column) => column.notNull())
        .addColumn('mode', 'text', (column) => column.notNull())
        .addColumn('action', 'text', (column) => column.notNull())
        .addColumn('flow_id', 'text')
        .addColumn('details', 'text', (column) => column.notNull())
        .addColumn('comment', 'text')
        .addColumn('created_at', 'text', (column) => column.notNull())
        .execute();
      await db.schema
        .createTable('model_aliases')
        .addColumn('tenant_id', 'text', (column) => column.notNull())
        .addColumn('mode', 'text', (column) => column.notNull())
        .addColumn('alias', 'text', (column) => column.notNull())
        .addColumn('models', 'text', (column) => column.notNull())
        .addColumn('strategy', 'text', (column) => column.notNull())
        .addColumn('weights', 'text')
        .addColumn('counter', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('updated_at', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('model_aliases_pk', ['tenant_id', 'mode', 'alias'])
        .execute();
      await db.schema
        .createTable('response_cache')
        .addColumn('key', 'text', (column) => column.primaryKey())
        .addColumn('response', 'text', (column) => column.notNull())
        .addColumn('expires_at', 'bigint', (column) => column.notNull())
        .execute();
      await db.schema
        .createTable('credit_balances')
        .addColumn('tenant_id', 'text', (column) => column.notNull())
        .addColumn('mode', 'text', (column) => column.notNull())
        .addColumn('balance', 'bigint', (column) => column.notNull())
        .addPrimaryKeyConstraint('credit_balances_pk', ['tenant_id', 'mode'])
        .execute();
      await db.schema
        .createTable('credit_ledger')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('tenant_id', 'text', (column) => column.notNull())
        .addColumn('mode', 'text', (column) => column.notNull())
        .addColumn('delta', 'bigint', (column) => column.notNull())
        .addColumn('balance_after', 'bigint', (column) => column.notNull())
        .addColumn('reason', 'text', (column) => column.notNull())
        .addColumn('execution_id', 'text')
        .addColumn('created_at', 'text', (column) => column.notNull())
        .execute();
      await db.schema
        .createTable('feedback')
        .addColumn('execution_id', 'text', (column) => column.primaryKey())
        .addColumn('tenant_id', 'text', (column) => column.notNull())
        .addColumn('mode', 'text', (column) => column.notNull())
        .addColumn('score', 'integer', (column) => column.notNull())
        .addColumn('text', 'text')
        .addColumn('end_user_id', 'text')
        .addColumn('updated_at', 'text', (column) => column.notNull())
        .execute();
      await db.schema.alterTable('executions').addColumn('customer_id', 'text').execute();
      await db.schema.alterTable('executions').addColumn('tags', 'text').execute();
      await db.schema.alterTable('executions').addColumn('credits_used', 'bigint').execute();
      await db.schema.alterTable('executions').addColumn('meta', 'text').execute();
    },
  },
  '0006_durability': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('executions').addColumn('flow_snapshot', 'text').execute();
      await db.schema.alterTable('executions').addColumn('credits_reserved', 'bigint').execute();
      await db.schema
        .createTable('loop_journal')
        .addColumn('execution_id', 'text', (column) => column.notNull())
        .addColumn('step_id', 'text', (column) => column.notNull())
        .addColumn('state', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('loop_journal_pk', ['execution_id', 'step_id'])
        .execute();
      await db.schema
        .createTable('approvals')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('execution_id', 'text', (column) => column.notNull())
        .addColumn('tenant_id', 'text', (column) => column.notNull())
        .addColumn('mode', 'text', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('kind', 'text', (column) => column.notNull())
        .addColumn('step_id', 'text', (column) => column.notNull())
        .addColumn('tool_call_id', 'text')
        .addColumn('tool_name', 'text')
        .addColumn('parameters', 'text')
        .addColumn('description', 'text')
        .addColumn('reason', 'text')
        .addColumn('timeout_at', 'bigint')
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('decided_at', 'text')
        .addColumn('decided_by', 'text')
        .addColumn('decision_reason', 'text')
        .execute();
      await db.schema.createIndex('approvals_pending').on('approvals').columns(['status', 'timeout_at']).execute();
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('tenant_id', 'text', (column) => column.notNull())
        .addColumn('mode', 'text', (column) => column.notNull())
        .addColumn('key', 'text', (column) => column.notNull())
        .addColumn('execution_id', 'text', (column) => column.notNull())
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['tenant_id', 'mode', 'key'])
        .execute();
    },
  },
  '0007_recovery_attempts': {
    async up(db: Kysely<unknown>) {
      // How many times a start has tried to continue this run; past a bound the run is failed, not retried forever.
      await db.schema
        .alterTable('executions')
        .addColumn('recovery_attempts', 'integer', (column) => column.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('executions').addColumn('recovery_progress', 'text').execute();
    },
  },
  '0008_sealed_secrets': {
    async up(db: Kysely<unknown>) {
      // A run's secrets, encrypted (AES-256-GCM) while the run may still need them; null once it ends.
      await db.schema.alterTable('executions').addColumn('secrets_sealed', 'text').execute();
    },
  },
  '0009_step_responses': {
    async up(db: Kysely<unknown>) {
      // Each model call of a step (PromptShuttle's `responses[]`), so a run finished by recovery can still answer.
      await db.schema.alterTable('execution_steps').addColumn('responses', 'text').execute();
    },
  },
  '0010_executions_by_status': {
    async up(db: Kysely<unknown>) {
      // The approval sweeper (every 5 s) and recovery look runs up by status; without an index each look read the
      // whole table, a stall on the event loop that grew with every run ever stored.
      await db.schema.createIndex('executions_by_status').on('executions').columns(['status', 'created_at']).execute();
    },
  },
  '0011_run_leases': {
    async up(db: Kysely<unknown>) {
      // Which process executes a run, until when (epoch ms): several processes share one store, and a run is
      // continued by another only once its lease has lapsed.
      await db.schema.alterTable('executions').addColumn('lease_owner', 'text').execute();
      await db.schema.alterTable('executions').addColumn('lease_expires_at', 'bigint').execute();
    },
  },
  '0012_rate_limits': {
    async up(db: Kysely<unknown>) {
      // Per-key limits (null: the server's defaults), the key each run was started with (its runs in flight are
      // counted), and the per-minute request counters shared by every process on this store.
      await db.schema.alterTable('api_keys').addColumn('rate_limit_per_minute', 'integer').execute();
      await db.schema.alterTable('api_keys').addColumn('max_runs_in_flight', 'integer').execute();
      await db.schema.alterTable('executions').addColumn('api_key_id', 'text').execute();
      await db.schema.createIndex('executions_by_key').on('executions').columns(['api_key_id', 'status']).execute();
      await db.schema
        .createTable('rate_limit_windows')
        .addColumn('key_id', 'text', (column) => column.notNull())
        .addColumn('window_start', 'bigint', (column) => column.notNull())
        .addColumn('hits', 'integer', (column) => column.notNull())
        .addPrimaryKeyConstraint('rate_limit_windows_pk', ['key_id', 'window_start'])
        .execute();
    },
  },
  '0013_tenant_limits': {
    async up(db: Kysely<unknown>) {
      // The operator's ceiling for one tenant and mode (null: the server's settings): no key of the tenant may ask
      // for more, and the tenant's keys together stay within it. Which key made a key (null: the operator's CLI),
      // so a key is only made while its maker is still active.
      await db.schema
        .createTable('tenant_limits')
        .addColumn('tenant_id', 'text', (column) => column.notNull())
        .addColumn('mode', 'text', (column) => column.notNull())
        .addColumn('rate_limit_per_minute', 'integer')
        .addColumn('max_runs_in_flight', 'integer')
        .addColumn('max_keys', 'integer')
        .addColumn('updated_at', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('tenant_limits_pk', ['tenant_id', 'mode'])
        .execute();
      await db.schema.alterTable('api_keys').addColumn('created_by_key_id', 'text').execute();
      await db.schema.createIndex('api_keys_by_tenant').on('api_keys').columns(['tenant_id', 'mode', 'revoked_at']).execute();
      await db.schema.createIndex('executions_in_flight').on('executions').columns(['tenant_id', 'mode', 'status']).execute();
    },
  },
  '0014_cancel_requests': {
    async up(db: Kysely<unknown>) {
      // When a cancel of a queued or running run was asked for (null: never): the process that picks the run up,
      // or holds it, honours it even if the cancel's message to it was lost or came before it held the run.
      await db.schema.alterTable('executions').addColumn('cancel_requested_at', 'bigint').execute();
    },
  },
  '0015_managed_secrets': {
    async up(db: Kysely<unknown>) {
      // A tenant's managed secrets (`{{secret:KEY}}`): the value sealed with FLOWRUN_SECRET_KEY (null: pending, set
      // later), a short preview of its end, and a version bumped on every change of value (rotation).
      await db.schema
        .createTable('managed_secrets')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('tenant_id', 'text', (column) => column.notNull())
        .addColumn('mode', 'text', (column) => column.notNull())
        .addColumn('key', 'text', (column) => column.notNull())
        .addColumn('description', 'text')
        .addColumn('value_sealed', 'text')
        .addColumn('value_preview', 'text')
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('version', 'integer', (column) => column.notNull())
        .addColumn('last_rotated_at', 'text')
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull())
        .addUniqueConstraint('managed_secrets_key', ['tenant_id', 'mode', 'key'])
        .execute();
    },
  },
  '0016_assets': {
    async up(db: Kysely<unknown>) {
      // Files the asset steps store, per tenant and mode. `content` holds the bytes when the database is the store
      // (the default); with a folder or a bucket it is null and `storage_key` names the object there.
      const bytes = db.getExecutor().adapter instanceof PostgresAdapter ? 'bytea' : 'blob';
      await db.schema
        .createTable('assets')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('tenant_id', 'text', (column) => column.notNull())
        .addColumn('mode', 'text', (column) => column.notNull())
        .addColumn('file_name', 'text', (column) => column.notNull())
        .addColumn('content_type', 'text', (column) => column.notNull())
        .addColumn('size', 'bigint', (column) => column.notNull())
        .addColumn('visibility', 'text', (column) => column.notNull())
        .addColumn('storage', 'text', (column) => column.notNull())
        .addColumn('storage_key', 'text')
        .addColumn('content', sql.raw(bytes))
        .addColumn('execution_id', 'text')
        .addColumn('created_at', 'text', (column) => column.notNull())
        .execute();
      await db.schema.createIndex('assets_by_tenant').on('assets').columns(['tenant_id', 'mode', 'created_at']).execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
