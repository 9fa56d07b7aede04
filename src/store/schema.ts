import type { Generated } from 'kysely';

/** Every tenant-owned row carries `tenant_id` and `mode` (test or live); queries always filter on both. */
export interface DatabaseSchema {
  api_keys: {
    id: string;
    tenant_id: string;
    mode: 'test' | 'live';
    name: string | null;
    key_hash: string;
    key_prefix: string;
    created_at: string;
    revoked_at: string | null;
    rate_limit_per_minute: number | null;
    max_runs_in_flight: number | null;
    created_by_key_id: string | null;
  };
  flows: {
    id: string;
    /** PromptShuttle's slug (`product_description`): unique per tenant and mode; a flow is addressed by id or slug. */
    slug: string | null;
    tenant_id: string;
    mode: string;
    name: string;
    description: string | null;
    current_version_id: string | null;
    created_at: string;
    updated_at: string;
  };
  flow_versions: {
    id: string;
    flow_id: string;
    version: number;
    definition: string;
    definition_hash: string;
    created_at: string;
    /** 1 once activated in an environment: it can no longer change, editing forks a new version. */
    locked: number;
  };
  records: {
    id: string;
    tenant_id: string;
    mode: string;
    name: string;
    type: string;
    metadata: string;
    created_at: string;
    updated_at: string;
  };
  executions: {
    id: string;
    tenant_id: string;
    mode: string;
    flow_id: string | null;
    flow_version_id: string | null;
    flow_name: string;
    record_id: string | null;
    status: string;
    dialect: string;
    input: string;
    output: string | null;
    final_output: string | null;
    usage: string | null;
    error: string | null;
    total_steps: number;
    last_seq: number;
    /** A paused run's snapshot (tool loop, pending calls); null otherwise. */
    pause_state: string | null;
    /** The run whose tool (flow tool, sub-agent) started this one. */
    parent_execution_id: string | null;
    parent_tool_call_id: string | null;
    kind: 'flow' | 'agent';
    customer_id: string | null;
    /** JSON array of tags. */
    tags: string | null;
    credits_used: number | null;
    /** Run-API extras: environment, entrypoint, cached, debugUrl, warnings, responses, flowRequest. */
    meta: string | null;
    /** The flow as it ran (`{name, steps}`), so a crashed run can be rebuilt exactly. */
    flow_snapshot: string | null;
    /** Credits held for the run until it settles; null once settled. */
    credits_reserved: number | null;
    recovery_attempts: Generated<number>;
    recovery_progress: string | null;
    secrets_sealed: string | null;
    lease_owner: string | null;
    lease_expires_at: number | null;
    /** When a cancel was asked for while the run was queued or running (ms); the holder honours it. */
    cancel_requested_at: number | null;
    api_key_id: string | null;
    /** For agent runs: `{id, name, maxTurns, model}`, what the event encoders need. */
    agent: string | null;
    created_at: string;
    started_at: string | null;
    completed_at: string | null;
    duration_ms: number | null;
  };
  execution_steps: {
    execution_id: string;
    step_index: number;
    step_id: string;
    step_type: string;
    status: string;
    result: string | null;
    error: string | null;
    usage: string | null;
    /** The run's variables after this step: what a resumed run starts from. */
    variables: string | null;
    tool_calls: string | null;
    /** The step's model calls, as PromptShuttle's run document lists them. */
    responses: string | null;
    started_at: string;
    duration_ms: number;
  };
  tools: {
    id: string;
    tenant_id: string;
    mode: string;
    name: string;
    description: string;
    tool_type: string;
    parameters_schema: string;
    config: string;
    created_at: string;
    updated_at: string;
  };
  agents: {
    id: string;
    tenant_id: string;
    mode: string;
    name: string;
    description: string | null;
    definition: string;
    created_at: string;
    updated_at: string;
  };
  environments: { tenant_id: string; mode: string; name: string; created_at: string };
  flow_environments: { flow_id: string; environment: string; version_id: string; activated_at: string };
  audit_log: {
    id: string;
    tenant_id: string;
    mode: string;
    action: string;
    flow_id: string | null;
    details: string;
    comment: string | null;
    created_at: string;
  };
  model_aliases: {
    tenant_id: string;
    mode: string;
    alias: string;
    models: string;
    strategy: string;
    weights: string | null;
    counter: number;
    updated_at: string;
  };
  response_cache: { key: string; response: string; expires_at: number };
  credit_balances: { tenant_id: string; mode: string; balance: number };
  credit_ledger: {
    id: string;
    tenant_id: string;
    mode: string;
    delta: number;
    balance_after: number;
    reason: string;
    execution_id: string | null;
    created_at: string;
  };
  feedback: {
    execution_id: string;
    tenant_id: string;
    mode: string;
    score: number;
    text: string | null;
    end_user_id: string | null;
    updated_at: string;
  };
  loop_journal: { execution_id: string; step_id: string; state: string; updated_at: string };
  approvals: {
    id: string;
    execution_id: string;
    tenant_id: string;
    mode: string;
    status: string;
    kind: string;
    step_id: string;
    tool_call_id: string | null;
    tool_name: string | null;
    parameters: string | null;
    description: string | null;
    reason: string | null;
    timeout_at: number | null;
    created_at: string;
    decided_at: string | null;
    decided_by: string | null;
    decision_reason: string | null;
  };
  idempotency_keys: { tenant_id: string; mode: string; key: string; execution_id: string; created_at: number };
  execution_events: {
    execution_id: string;
    seq: number;
    type: string;
    data: string;
  };
  rate_limit_windows: {
    key_id: string;
    window_start: number;
    hits: number;
  };
  tenant_limits: {
    tenant_id: string;
    mode: 'test' | 'live';
    rate_limit_per_minute: number | null;
    max_runs_in_flight: number | null;
    max_keys: number | null;
    updated_at: string;
  };
  managed_secrets: {
    id: string;
    tenant_id: string;
    mode: string;
    key: string;
    description: string | null;
    /** The value sealed by the secret vault (FLOWRUN_SECRET_KEY); never the value itself. Null: pending. */
    value_sealed: string | null;
    value_preview: string | null;
    status: string;
    version: number;
    last_rotated_at: string | null;
    created_at: string;
    updated_at: string;
  };
  assets: {
    id: string;
    tenant_id: string;
    mode: string;
    file_name: string;
    content_type: string;
    size: number;
    visibility: string;
    /** Where the bytes are: `database` (in `content`), `folder` or `s3` (under `storage_key`). */
    storage: string;
    storage_key: string | null;
    content: Uint8Array | null;
    execution_id: string | null;
    created_at: string;
  };
}
