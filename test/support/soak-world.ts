import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFileSync } from 'node:fs';
import { startFakeProvider, type FakeProvider, type FakeRequest, type FakeReply } from './fake-provider.js';
import { toolResultsIn } from './fake-scripts.js';
import { killProcess, startServerProcess } from './server-process.js';

/**
 * The world the crash soak runs in: a scripted model, an external API that records every call it gets, and a
 * Flowrun server process on a fixed port that a killer SIGKILLs and restarts. Every model request and every
 * external call is logged with its time, so a run's repeats can be told apart: work repeated after a kill that
 * cut it short (allowed) from work repeated after it had been journaled (a broken promise).
 */

export interface ModelCall {
  /** `<nonce>:<part>:<turn>`: which run, which step or agent, which turn of its tool loop. */
  turn: string;
  at: number;
  /** The request as the model server saw it: `completed` tells whether its answer reached the client. */
  request: FakeRequest;
}

export interface ToolArrival {
  /** `<nonce>:<step>`: the logical call, whatever key it carried. */
  call: string;
  key: string;
  authorization: string;
  at: number;
}

export interface SoakObservations {
  modelCalls: ModelCall[];
  arrivals: ToolArrival[];
  /** When each kill had taken effect (the process was gone). */
  kills: number[];
  /** Milliseconds from a kill until the new process listened. */
  restarts: number[];
}

const nonceOf = (text: string) => /run (n\d+)/.exec(text)?.[1] ?? 'unknown';
const systemOf = (request: FakeRequest) =>
  String((request.body.messages as Array<{ role: string; content: unknown }>).find((message) => message.role === 'system')?.content ?? '');

/** What the scripted model answers, by the marker in the prompt; every call is logged as a turn. */
function soakModel(observations: SoakObservations) {
  return (request: FakeRequest): FakeReply => {
    const results = toolResultsIn(request);
    const text = request.lastUserText;
    const nonce = nonceOf(text);
    const usage = { input: 20, output: 10 };
    const log = (part: string) => observations.modelCalls.push({ turn: `${nonce}:${part}:${results.length}`, at: Date.now(), request });
    if (systemOf(request) === 'You research.') {
      log('research');
      return { text: `findings ${nonce}`, usage, delayMs: 5 };
    }
    const step = /step (\w+)/.exec(text)?.[1];
    if (step) {
      log(step);
      return results.length === 0
        ? {
            toolCalls: [
              { id: `call_${step}_${Math.random().toString(36).slice(2, 8)}`, name: 'record', arguments: JSON.stringify({ nonce, step }) },
            ],
            usage,
            delayMs: 10,
          }
        : { chunks: ['done ', 'with ', step], usage, delayMs: 10 };
    }
    if (/ client$/.test(text)) {
      log('client');
      return results.length === 0
        ? { toolCalls: [{ id: `call_page_${Math.random().toString(36).slice(2, 8)}`, name: 'get_page_title', arguments: '{}' }], usage }
        : { text: `page ${results[0]!.content}`, usage };
    }
    if (/ lead$/.test(text)) {
      log('lead');
      return results.length === 0
        ? {
            toolCalls: [
              {
                id: `call_r_${Math.random().toString(36).slice(2, 8)}`,
                name: 'research',
                arguments: JSON.stringify({ message: `run ${nonce} topic` }),
              },
              { id: `call_s_${Math.random().toString(36).slice(2, 8)}`, name: 'shout', arguments: JSON.stringify({ text: nonce }) },
            ],
            usage,
            delayMs: 10,
          }
        : { text: `summary: ${results.map((result) => result.content).join(' + ')}`, usage };
    }
    log('copy');
    return { chunks: ['copy ', nonce], usage, delayMs: 10 };
  };
}

/** An external API that records each call (by run and step) with its Idempotency-Key and Authorization. */
async function startRecorder(observations: SoakObservations): Promise<{ server: Server; url: string }> {
  const server = createServer(async (request, response) => {
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    const { nonce, step } = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') as { nonce?: string; step?: string };
    observations.arrivals.push({
      call: `${nonce}:${step}`,
      key: String(request.headers['idempotency-key']),
      authorization: String(request.headers.authorization),
      at: Date.now(),
    });
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ recorded: step }));
    }, 15);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface SoakWorld {
  observations: SoakObservations;
  fake: FakeProvider;
  recorderUrl: string;
  baseUrl: string;
  env: Record<string, string>;
  start(): Promise<void>;
  /** SIGKILLs the server and starts it again on the same port. */
  killAndRestart(): Promise<void>;
  stop(): Promise<void>;
  close(): Promise<void>;
}

export async function startSoakWorld(dataDir: string): Promise<SoakWorld> {
  const observations: SoakObservations = { modelCalls: [], arrivals: [], kills: [], restarts: [] };
  const fake = await startFakeProvider();
  fake.script(soakModel(observations));
  const recorder = await startRecorder(observations);
  const port = await freePort();
  const env = {
    FLOWRUN_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    OPENAI_API_KEY: 'sk-soak',
    OPENAI_BASE_URL: `${fake.url}/v1`,
    FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1',
    FLOWRUN_LOG_LEVEL: 'info',
    FLOWRUN_SHUTDOWN_TIMEOUT_MS: '100',
    FLOWRUN_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
  };
  let server: Awaited<ReturnType<typeof startServerProcess>> | null = null;
  // FLOWRUN_SOAK_LOGS=<file> keeps every server process's output, for a failure's post-mortem.
  const keepLogs = () => {
    if (server && process.env.FLOWRUN_SOAK_LOGS)
      appendFileSync(process.env.FLOWRUN_SOAK_LOGS, `--- process ${server.child.pid}\n${server.logs()}`);
  };
  const world: SoakWorld = {
    observations,
    fake,
    recorderUrl: recorder.url,
    baseUrl: `http://127.0.0.1:${port}`,
    env,
    async start() {
      server = await startServerProcess(env);
    },
    async killAndRestart() {
      await killProcess(server!.child);
      const killedAt = Date.now();
      observations.kills.push(killedAt);
      keepLogs();
      server = await startServerProcess(env);
      observations.restarts.push(Date.now() - killedAt);
    },
    async stop() {
      if (server) await killProcess(server.child);
      keepLogs();
      server = null;
    },
    async close() {
      await world.stop();
      await fake.close();
      await new Promise((resolve) => recorder.server.close(resolve));
    },
  };
  return world;
}
