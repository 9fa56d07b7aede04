/**
 * Every environment variable Flowrun reads, as `flowrun serve --help` lists them. README.md's table says more of
 * each; test/settings.test.ts fails when this list, that table and what config.ts reads disagree.
 */
export const settings: ReadonlyArray<{ names: string[]; fallback: string; what: string }> = [
  { names: ['HOST'], fallback: '127.0.0.1', what: 'address to listen on (0.0.0.0 to accept remote connections)' },
  { names: ['PORT'], fallback: '8787', what: 'port to listen on (0 picks a free one)' },
  { names: ['FLOWRUN_DATA_DIR'], fallback: './data', what: 'folder of the SQLite database (flowrun.sqlite)' },
  { names: ['FLOWRUN_DATABASE_FILE'], fallback: '$FLOWRUN_DATA_DIR/flowrun.sqlite', what: 'the SQLite file itself' },
  { names: ['FLOWRUN_LOG_LEVEL'], fallback: 'info', what: 'log level: fatal, error, warn, info, debug or trace' },
  { names: ['FLOWRUN_BODY_LIMIT_BYTES'], fallback: '5242880', what: 'largest request body' },
  { names: ['FLOWRUN_REQUEST_TIMEOUT_MS'], fallback: '30000', what: 'time a client has to send a whole request' },
  { names: ['FLOWRUN_HEADERS_TIMEOUT_MS'], fallback: '10000', what: 'time a client has to send its request headers' },
  {
    names: ['FLOWRUN_SSE_HEARTBEAT_MS'],
    fallback: '15000',
    what: 'interval of keep-alive comments on open streams, so proxies keep them open',
  },
  { names: ['FLOWRUN_SHUTDOWN_TIMEOUT_MS'], fallback: '10000', what: 'on SIGTERM, how long running flows may take to finish before exit' },
  { names: ['FLOWRUN_CONCURRENCY'], fallback: '256', what: 'runs executed at once' },
  {
    names: ['FLOWRUN_KEY_CACHE_TTL_MS'],
    fallback: '5000',
    what: 'how long a verified key is trusted before the database is asked again',
  },
  { names: ['FLOWRUN_EVENT_FLUSH_MS'], fallback: '5', what: 'group-commit interval of streamed events' },
  {
    names: ['FLOWRUN_DELTA_FLUSH_MS'],
    fallback: '100',
    what: 'how long streamed text deltas (one per token) alone wait for their group commit',
  },
  { names: ['FLOWRUN_CATALOG'], fallback: 'catalog/models.json', what: 'model catalog: routing and USD prices per million tokens' },
  { names: ['OPENAI_API_KEY', 'OPENAI_BASE_URL'], fallback: '–', what: 'OpenAI (chat completions)' },
  { names: ['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL'], fallback: '–', what: 'Anthropic (messages API)' },
  { names: ['GOOGLE_GENERATIVE_AI_API_KEY', 'GOOGLE_BASE_URL'], fallback: '–', what: 'Google Gemini' },
  {
    names: ['FLOWRUN_COMPAT_BASE_URL', 'FLOWRUN_COMPAT_API_KEY'],
    fallback: '–',
    what: 'OpenAI-compatible endpoint for any model id not otherwise routed',
  },
  {
    names: ['FLOWRUN_MODEL_BASE_URL', 'FLOWRUN_MODEL_API_KEY'],
    fallback: '–',
    what: 'send every model (but flowrun/echo) to this one OpenAI-compatible endpoint, model ids unchanged',
  },
  { names: ['OLLAMA_BASE_URL', 'OLLAMA_API_KEY'], fallback: 'http://127.0.0.1:11434/v1', what: 'target of ollama/<model>' },
  { names: ['VLLM_BASE_URL', 'VLLM_API_KEY'], fallback: '–', what: 'target of vllm/<model>' },
  { names: ['GROQ_API_KEY', 'GROQ_BASE_URL'], fallback: "Groq's API", what: 'enables groq/<model>' },
  { names: ['OPENROUTER_API_KEY', 'OPENROUTER_BASE_URL'], fallback: "OpenRouter's API", what: 'enables openrouter/<vendor>/<model>' },
  { names: ['FLOWRUN_MODEL_TIMEOUT_MS'], fallback: '120000', what: 'longest a model call may take' },
  { names: ['FLOWRUN_MODEL_IDLE_TIMEOUT_MS'], fallback: '60000', what: "longest silence allowed in a model's stream" },
  {
    names: ['FLOWRUN_MODEL_MAX_RETRIES'],
    fallback: '2',
    what: 'retries of 429/5xx/network failures (before any output), with backoff and Retry-After',
  },
  { names: ['FLOWRUN_MODEL_MAX_RETRY_DELAY_MS'], fallback: '10000', what: 'cap on one retry wait' },
  {
    names: ['FLOWRUN_SANDBOX_WORKERS'],
    fallback: '4',
    what: 'worker threads running custom-tool and transform-data JavaScript (QuickJS/WebAssembly)',
  },
  {
    names: ['FLOWRUN_SANDBOX_TIMEOUT_MS'],
    fallback: '5000',
    what: "default time limit of one sandboxed call (a tool's config.timeout overrides it, up to the cap below)",
  },
  {
    names: ['FLOWRUN_SANDBOX_MAX_TIMEOUT_MS'],
    fallback: '30000',
    what: 'the most time any sandboxed call may have, whatever a tool asks for',
  },
  {
    names: ['FLOWRUN_SANDBOX_TENANT_CONCURRENCY'],
    fallback: 'half the workers (at least 1)',
    what: 'sandbox threads one tenant may hold at once',
  },
  { names: ['FLOWRUN_SANDBOX_MEMORY_MB'], fallback: '64', what: 'memory limit of one sandboxed call' },
  { names: ['FLOWRUN_TOOL_HTTP_TIMEOUT_MS'], fallback: '15000', what: 'timeout of external-tool, fetch-url and api-call requests' },
  { names: ['FLOWRUN_TOOL_HTTP_MAX_BYTES'], fallback: '1048576', what: 'largest response those requests may read' },
  {
    names: ['FLOWRUN_SSRF_ALLOWLIST'],
    fallback: '–',
    what: 'comma-separated addresses and CIDR ranges outbound tool requests may reach although private',
  },
  { names: ['FLOWRUN_MAX_TOOL_DEPTH'], fallback: '3', what: 'how deep flow tools and sub-agents may nest' },
  {
    names: ['FLOWRUN_MCP_TOOLS_TTL_MS'],
    fallback: '60000',
    what: "how long an MCP server's tool list is reused before it is listed again",
  },
  {
    names: ['EXA_API_KEY', 'EXA_BASE_URL'],
    fallback: '–, https://api.exa.ai',
    what: 'web search for builtin:exa / builtin:exa_search / builtin:web_search through Exa',
  },
  {
    names: ['FLOWRUN_SEARXNG_URL'],
    fallback: '–',
    what: 'a self-hosted SearXNG for the built-in web search when no Exa key is set',
  },
  {
    names: ['FLOWRUN_GITHUB_API_URL'],
    fallback: 'https://api.github.com',
    what: "GitHub's REST API for the fetch-github step",
  },
  {
    names: ['FLOWRUN_IMAGE_MODEL'],
    fallback: 'dall-e-3',
    what: 'the image model builtin:dalle calls on the OpenAI(-compatible) provider',
  },
  { names: ['FLOWRUN_IMAGE_PRICE_USD'], fallback: '0.04', what: 'what one generated image costs (charged to the run)' },
  {
    names: ['FLOWRUN_SMTP_URL'],
    fallback: '–',
    what: 'smtp://user:password@host:587 (STARTTLS when offered) or smtps://…:465: the server send-email steps send through; unset, they fail with EMAIL_NOT_CONFIGURED',
  },
  { names: ['FLOWRUN_SMTP_TIMEOUT_MS'], fallback: '30000', what: 'longest wait for the SMTP server (connecting, each reply)' },
  {
    names: ['FLOWRUN_EMAIL_FROM'],
    fallback: '–',
    what: 'the sender of a send-email step that names none (name@example.com or Name <name@example.com>)',
  },
  {
    names: ['FLOWRUN_EMAIL_FROM_ALLOWLIST'],
    fallback: 'FLOWRUN_EMAIL_FROM only',
    what: 'comma-separated senders send-email may use: addresses and @domains (* for any)',
  },
  {
    names: ['FLOWRUN_TWILIO_ACCOUNT_SID', 'FLOWRUN_TWILIO_AUTH_TOKEN'],
    fallback: '–',
    what: 'the Twilio account send-text steps send SMS with (basic auth); unset, they fail with TEXT_NOT_CONFIGURED',
  },
  { names: ['FLOWRUN_TWILIO_FROM'], fallback: '–', what: 'the sending number (E.164) of a send-text step that names none' },
  {
    names: ['FLOWRUN_TWILIO_API_URL'],
    fallback: 'https://api.twilio.com',
    what: 'a Twilio-compatible Messages API to send SMS through instead',
  },
  { names: ['FLOWRUN_INITIAL_CREDITS'], fallback: '1000000000', what: 'credits a tenant (per mode) starts with' },
  { names: ['FLOWRUN_ADMIN_TOKEN'], fallback: '–', what: 'bearer token of POST /admin/credits (top-ups), compared in constant time' },
  {
    names: ['FLOWRUN_METRICS_TOKEN'],
    fallback: '–',
    what: 'bearer token of GET /metrics (unset: open)',
  },
  {
    names: ['FLOWRUN_CHECKPOINT_INTERVAL_MS'],
    fallback: '100',
    what: "how often a worker thread copies SQLite's WAL into the database file (off the event loop)",
  },
  {
    names: ['FLOWRUN_SECRET_KEY'],
    fallback: '–',
    what: 'keys that seal run secrets kept for crash recovery (32 bytes, base64 or hex, comma-separated)',
  },
  {
    names: ['FLOWRUN_CACHE_TTL_MS'],
    fallback: '3600000',
    what: 'how long identical PromptShuttle runs are answered from the response cache',
  },
  {
    names: ['FLOWRUN_APPROVAL_SWEEP_MS'],
    fallback: '1000',
    what: 'how often approvals past their timeout are resolved as timeout (and their runs continued)',
  },
  { names: ['FLOWRUN_WORKERS'], fallback: 'the number of cores', what: 'flowrun serve processes sharing the port and the store' },
  {
    names: ['FLOWRUN_DATABASE_URL'],
    fallback: '–',
    what: 'postgres://user:pass@host:5432/db: the whole store on PostgreSQL (same schema and migrations)',
  },
  { names: ['FLOWRUN_DATABASE_POOL_SIZE'], fallback: '10', what: 'PostgreSQL connections per process' },
  { names: ['FLOWRUN_REDIS_URL'], fallback: '–', what: 'redis://host:6379: clustered (a BullMQ queue and flowrun worker processes)' },
  { names: ['FLOWRUN_REDIS_PREFIX'], fallback: 'flowrun', what: 'prefix of every Redis key and channel (several clusters on one Redis)' },
  { names: ['FLOWRUN_WORKER_CONCURRENCY'], fallback: '64', what: 'runs one flowrun worker executes at once' },
  { names: ['FLOWRUN_WORKER_PORT'], fallback: '–', what: 'where a flowrun worker serves /health, /ready and /metrics' },
  {
    names: ['FLOWRUN_LEASE_MS'],
    fallback: '15000',
    what: 'how long a run stays with the process executing it without a renewal (renewed every third of it)',
  },
  {
    names: ['FLOWRUN_COMMIT_RETRY_MS'],
    fallback: '30000',
    what: 'how long a run commit is tried again while the database is away (a restart) before the failure stands',
  },
  {
    names: ['FLOWRUN_RECOVERY_SWEEP_MS'],
    fallback: '2000',
    what: 'how often a process continues runs whose lease lapsed',
  },
  {
    names: ['FLOWRUN_RATE_LIMIT_PER_MINUTE'],
    fallback: '6000',
    what: 'requests per minute per API key unless the key has its own limit (0: none)',
  },
  {
    names: ['FLOWRUN_MAX_RUNS_IN_FLIGHT'],
    fallback: '1000',
    what: 'runs per API key queued or running at once unless the key has its own limit (--max-runs-in-flight)',
  },
  {
    names: ['FLOWRUN_TENANT_RATE_LIMIT_PER_MINUTE'],
    fallback: 'the per-key setting',
    what: "requests per minute of all of a tenant's keys of one mode together",
  },
  {
    names: ['FLOWRUN_TENANT_MAX_RUNS_IN_FLIGHT'],
    fallback: 'the per-key setting',
    what: "runs in flight of all of a tenant's keys of one mode together",
  },
  { names: ['FLOWRUN_MAX_KEYS_PER_TENANT'], fallback: '100', what: 'active keys a tenant may hold per mode (0: none)' },
  { names: ['FLOWRUN_KEY_CREATIONS_PER_MINUTE'], fallback: '10', what: 'keys a tenant may make per minute (0: none)' },
  {
    names: ['FLOWRUN_URL'],
    fallback: 'http://127.0.0.1:$PORT',
    what: "the server the CLI's run, runs, flows and approve commands talk to",
  },
  { names: ['FLOWRUN_API_KEY'], fallback: '–', what: 'the key those commands send' },
  { names: ['FLOWRUN_ASSET_MAX_BYTES'], fallback: '10485760', what: 'largest asset a step stores, downloads or renders' },
  { names: ['FLOWRUN_ASSET_DIR'], fallback: '–', what: 'keep asset bytes in this folder instead of the database' },
  {
    names: [
      'FLOWRUN_ASSET_S3_BUCKET',
      'FLOWRUN_ASSET_S3_ENDPOINT',
      'FLOWRUN_ASSET_S3_REGION',
      'FLOWRUN_ASSET_S3_ACCESS_KEY_ID',
      'FLOWRUN_ASSET_S3_SECRET_ACCESS_KEY',
      'FLOWRUN_ASSET_S3_PREFIX',
    ],
    fallback: '–',
    what: 'keep asset bytes in an S3-compatible bucket (SigV4, path-style)',
  },
  { names: ['FLOWRUN_ASSET_URL_TTL_SECONDS'], fallback: '604800', what: "how long a public asset's signed URL works" },
  { names: ['FLOWRUN_ASSET_SIGNING_KEY'], fallback: 'from FLOWRUN_SECRET_KEY', what: 'HMAC key of public asset URLs' },
  { names: ['FLOWRUN_PUBLIC_URL'], fallback: '–', what: 'what asset URLs in step results start with' },
];

/** The list as help text: one line per variable, aligned. */
export function settingsHelp(): string {
  const width = Math.max(...settings.map((setting) => setting.names.join(', ').length));
  const lines = settings.map(
    (setting) =>
      `  ${setting.names.join(', ').padEnd(width)}  ${setting.what}${setting.fallback === '–' ? '' : ` (default: ${setting.fallback})`}`,
  );
  return `\nSettings (environment variables; README.md tells more of each):\n${lines.join('\n')}\n`;
}
