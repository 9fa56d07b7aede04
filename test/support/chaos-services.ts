import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait-for.js';

/**
 * The services a fault campaign breaks on purpose: a PostgreSQL server and a Redis server of its own (so
 * stopping them harms nothing else on the machine), and an external HTTP tool that counts its calls.
 */

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function postgresBin(name: string): string {
  const found = spawnSync('bash', ['-c', `ls -d /usr/lib/postgresql/*/bin/${name} | sort -V | tail -1`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (!path) throw new Error(`PostgreSQL's ${name} is not installed (looked in /usr/lib/postgresql/*/bin)`);
  return path;
}

export interface PrivatePostgres {
  url: string;
  /** Ends every connection to the database (pg_terminate_backend), as an operator or a failover would. */
  terminateConnections(): Promise<number>;
  stop(): void;
  start(): Promise<void>;
  close(): void;
}

/** A PostgreSQL server in a temporary directory on a port of its own (run as the postgres user when root). */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'flowrun-chaos-pg-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const asPostgres = process.getuid?.() === 0;
  const run = (command: string) => {
    const result = asPostgres
      ? spawnSync('su', ['postgres', '-c', command], { encoding: 'utf8' })
      : spawnSync('bash', ['-c', command], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stdout}${result.stderr}`);
  };
  const data = join(dir, 'data');
  run(`${postgresBin('initdb')} -D ${data} -A trust -U postgres --no-sync >/dev/null`);
  const pgCtl = postgresBin('pg_ctl');
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const admin = async (sql: string): Promise<number> => {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query(sql)).rowCount ?? 0;
    } finally {
      await client.end();
    }
  };
  const start = async () => {
    run(`${pgCtl} -D ${data} -o "${options}" -l ${dir}/log -w start >/dev/null`);
    await waitFor(
      () =>
        admin('select 1').then(
          () => true,
          () => false,
        ),
      'the private PostgreSQL answering on TCP',
    );
  };
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/flowrun`;
  await admin('create database flowrun');
  return {
    url,
    terminateConnections: () =>
      admin(`select pg_terminate_backend(pid) from pg_stat_activity where datname = 'flowrun' and pid <> pg_backend_pid()`),
    stop: () => run(`${pgCtl} -D ${data} -m immediate -w stop >/dev/null`),
    start,
    close() {
      try {
        run(`${pgCtl} -D ${data} -m immediate -w stop >/dev/null`);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivateRedis {
  url: string;
  /** SIGKILL: everything in it is lost (it keeps nothing on disk). */
  kill(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    await waitFor(
      () => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG',
      'the private Redis started',
      {
        everyMs: 50,
      },
    );
  };
  const kill = () =>
    new Promise<void>((resolve) => {
      const current = child;
      if (!current || current.exitCode !== null) return resolve();
      current.once('exit', () => resolve());
      current.kill('SIGKILL');
    });
  await start();
  return { url: `redis://127.0.0.1:${port}`, kill, start, close: kill };
}

export interface ToolCall {
  run: string;
  step: string;
  key: string;
  at: number;
}

export interface CountingTool {
  url: string;
  calls: ToolCall[];
  close(): Promise<void>;
}

/** An external API the flows call: it records each call's run, step and Idempotency-Key, and answers after `delayMs`. */
export async function startCountingTool(delayMs: number): Promise<CountingTool> {
  const calls: ToolCall[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://tool');
    calls.push({
      run: url.searchParams.get('run') ?? '',
      step: url.searchParams.get('step') ?? '',
      key: String(request.headers['idempotency-key'] ?? ''),
      at: Date.now(),
    });
    request.resume();
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: true, step: url.searchParams.get('step') }));
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
