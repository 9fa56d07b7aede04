import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { pino } from 'pino';
import type { RouteEntry } from '../../src/api/app.js';
import { createUlidIds } from '../../src/ids.js';
import type { RunningServer } from '../../src/main.js';
import type { KeyMode } from '../../src/protocol/tenant.js';
import { createApiKey } from '../../src/store/keys-repository.js';
import { startFakeProvider, type FakeProvider } from './fake-provider.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import type { Config } from '../../src/config.js';

// The server under test is the build (`npm test` rebuilds it first when a source is newer), typed by the sources:
// loading the whole server through the TypeScript loader in every test process cost more than the tests.
const { openDatabase, readConfig, startServer } = (await import(
  new URL('../../dist/main.js', import.meta.url).href
)) as typeof import('../../src/main.js');

/**
 * FLOWRUN_TEST_CLUSTER=1 runs the same end-to-end tests clustered: the server enqueues on Redis
 * (FLOWRUN_TEST_REDIS_URL, a prefix of its own) and a `flowrun worker` in the same process executes.
 */
function clusterEnv(): Record<string, string> {
  if (process.env.FLOWRUN_TEST_CLUSTER !== '1') return {};
  return {
    FLOWRUN_REDIS_URL: process.env.FLOWRUN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    FLOWRUN_REDIS_PREFIX: `flowrun-test-${process.pid}-${Date.now().toString(36)}`,
    FLOWRUN_SECRET_KEY: process.env.FLOWRUN_SECRET_KEY ?? 'aa'.repeat(32),
  };
}

export interface Harness {
  baseUrl: string;
  key: string;
  routes: RouteEntry[];
  /** A request through the app without a socket (Fastify's inject). */
  inject: RunningServer['inject'];
  /**
   * `fetch(baseUrl + path, init)` answered through the app without a socket (Fastify's inject), as a fetch Response:
   * for route behaviour (status, headers, bodies). Streams that a test reads while the run goes on, and anything
   * about connections, use real HTTP (`fetch`).
   */
  request(path: string, init?: RequestInit): Promise<Response>;
  fake: FakeProvider;
  dataDir: string;
  /** The server's log lines, when started with FLOWRUN_TEST_LOG_CAPTURE=1 (else empty). */
  logs: string[];
  /** The settings the server was started with (its store among them). */
  config: Config;
  createKey(tenant?: string, mode?: KeyMode): Promise<string>;
  /** Stops the server (the data folder stays) and starts a new one on it; the fake provider keeps running. */
  restart(): Promise<Harness>;
  dispatch(body: unknown, options?: { query?: string; headers?: Record<string, string>; key?: string }): Promise<Response>;
  close(): Promise<void>;
}

/** A real server on a free port over a temporary SQLite file, with every provider pointed at a fake model server. */
export async function startHarness(
  /** Extra settings; a function of the fake provider when they name it (FLOWRUN_MODEL_BASE_URL to send every model there). */
  settings: Record<string, string> | ((fake: FakeProvider) => Record<string, string>) = {},
  reuse?: {
    fake: FakeProvider;
    dataDir: string;
    key: string;
    database: TestDatabase | undefined;
    cluster: Record<string, string>;
    logs?: string[];
  },
): Promise<Harness> {
  const fake = reuse?.fake ?? (await startFakeProvider());
  const env = typeof settings === 'function' ? settings(fake) : settings;
  const dataDir = reuse?.dataDir ?? mkdtempSync(join(tmpdir(), 'flowrun-test-'));
  // FLOWRUN_TEST_STORE=postgres runs the same end-to-end tests on a new PostgreSQL database each (npm run test:postgres).
  const database = reuse ? reuse.database : process.env.FLOWRUN_TEST_STORE === 'postgres' ? await createTestDatabase() : undefined;
  const cluster = reuse?.cluster ?? clusterEnv();
  const config = readConfig({
    FLOWRUN_DATA_DIR: dataDir,
    ...(database ? { FLOWRUN_DATABASE_URL: database.url } : {}),
    PORT: '0',
    HOST: '127.0.0.1',
    OPENAI_API_KEY: 'sk-test-openai',
    OPENAI_BASE_URL: `${fake.url}/v1`,
    ANTHROPIC_API_KEY: 'sk-test-anthropic',
    ANTHROPIC_BASE_URL: `${fake.url}/v1`,
    FLOWRUN_COMPAT_BASE_URL: `${fake.url}/v1`,
    FLOWRUN_COMPAT_API_KEY: 'sk-test-compat',
    FLOWRUN_MODEL_MAX_RETRY_DELAY_MS: '200',
    FLOWRUN_KEY_CACHE_TTL_MS: '0',
    ...cluster,
    ...env,
  });
  // FLOWRUN_TEST_LOG_CAPTURE=1 (in `env`): every log line at debug level and above is kept in `logs`.
  const logs: string[] = reuse?.logs ?? [];
  const logger =
    env.FLOWRUN_TEST_LOG_CAPTURE === '1'
      ? pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) })
      : pino({ level: process.env.FLOWRUN_TEST_LOG ?? 'silent' });
  const server: RunningServer = await startServer(config, logger);
  const worker = config.redisUrl
    ? await ((await import(new URL('../../dist/worker.js', import.meta.url).href)) as typeof import('../../src/worker.js')).startWorker(
        config,
        logger,
      )
    : undefined;
  const ids = createUlidIds();
  const createKey = async (tenant = 'default', mode: KeyMode = 'test'): Promise<string> => {
    const db = await openDatabase(config);
    try {
      return (await createApiKey(db, { tenantId: tenant, mode, id: ids.next('key'), now: new Date().toISOString() })).key;
    } finally {
      await db.destroy();
    }
  };
  const key = reuse?.key ?? (await createKey());
  return {
    baseUrl: server.url,
    key,
    routes: server.routes,
    inject: server.inject,
    request: (path, init) => injected(server, path, init),
    fake,
    dataDir,
    logs,
    config,
    createKey,
    dispatch: (body, options = {}) =>
      fetch(`${server.url}/v1/dispatch${options.query ? `?${options.query}` : ''}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.key ?? key}`, ...(options.headers ?? {}) },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    async restart() {
      await server.close();
      await worker?.close();
      return startHarness(env, { fake, dataDir, key, database, cluster, logs });
    },
    async close() {
      await server.close();
      await worker?.close();
      await fake.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function injected(server: RunningServer, path: string, init: RequestInit = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => (headers[name] = value));
  if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') throw new Error('request(): a string body only');
  const answer = await server.inject({ method: init.method ?? 'GET', url: path, headers, payload: init.body ?? undefined });
  const answerHeaders = new Headers();
  for (const [name, value] of Object.entries(answer.headers))
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [String(value)]) answerHeaders.append(name, one);
  const empty = answer.statusCode === 204 || answer.statusCode === 304 || (init.method ?? 'GET') === 'HEAD';
  return new Response(empty ? null : answer.body, { status: answer.statusCode, headers: answerHeaders });
}

export interface SseEvent {
  event: string;
  id: string | undefined;
  data: Record<string, unknown>;
}

/** Reads a whole SSE response with eventsource-parser, as a client library would. */
export async function readSse(response: Response): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const parser = createParser({
    onEvent(message: EventSourceMessage) {
      events.push({ event: message.event ?? 'message', id: message.id, data: JSON.parse(message.data) as Record<string, unknown> });
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
  return events;
}

export function authHeaders(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
}
