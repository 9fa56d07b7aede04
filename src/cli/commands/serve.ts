import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { openDatabase, readConfig } from '../../config.js';
import { createLogger, startServer } from '../../main.js';
import { createClusterRelay, createClusterRouter, type ClusterMessage } from '../../queue/event-relay.js';
import { startBanner } from '../banner.js';
import { packageVersion } from '../../version.js';
import { stopOnSignals } from './stop-on-signals.js';
import { cliCommand } from '../invocation.js';

/**
 * `flowrun serve`: one process, or with `--workers N` (FLOWRUN_WORKERS; default: the number of cores) a primary
 * that migrates the store once and keeps N server processes on one port (node:cluster shares the socket). Each
 * worker runs the runs it accepts; the primary relays events and cancellations between them.
 */
export async function serveCommand(options: { workers?: string } = {}): Promise<void> {
  const config = readConfig();
  const workers = workerCount(options.workers ?? process.env.FLOWRUN_WORKERS);
  if (cluster.isWorker) return serveOne(config, true);
  if (workers <= 1) return serveOne(config, false);
  const logger = createLogger(config.logLevel);
  // Migrations run here, once, before any worker opens the store.
  await (await openDatabase(config)).destroy();
  runPrimary(workers, logger);
}

function workerCount(value: string | undefined): number {
  if (value === undefined || value === '') return availableParallelism();
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`--workers (FLOWRUN_WORKERS) must be a whole number of at least 1, got '${value}'`);
  return count;
}

async function serveOne(config: ReturnType<typeof readConfig>, inCluster: boolean): Promise<void> {
  const logger = createLogger(config.logLevel);
  const relay = inCluster ? createClusterRelay(process as unknown as Parameters<typeof createClusterRelay>[0]) : undefined;
  const server = await startServer(config, logger, relay ? { relay } : {}).catch((error: unknown) => {
    throw portInUse(error, config) ?? error;
  });
  // On stderr, so that stdout stays one JSON log line per line. Once per server, not once per process.
  if (!inCluster || cluster.worker?.id === 1) process.stderr.write(startBanner(config, server, packageVersion()));
  stopOnSignals(logger, 'shutting down: no new requests, waiting for running flows', server.close);
  // The primary is gone (killed): this worker stops at once, as the primary did; its runs' leases lapse with it
  // and the next start continues them.
  if (inCluster) process.once('disconnect', () => process.exit(1));
}

/** A port already taken is the first thing a new user meets when something else (or another Flowrun) runs. */
function portInUse(error: unknown, config: ReturnType<typeof readConfig>): Error | undefined {
  if ((error as { code?: unknown } | null)?.code !== 'EADDRINUSE') return undefined;
  return new Error(
    `port ${config.port} on ${config.host} is in use (another Flowrun, or something else): stop it, or pick another port, ` +
      `e.g. PORT=${config.port + 1} ${cliCommand()} serve`,
  );
}

function runPrimary(count: number, logger: ReturnType<typeof createLogger>): void {
  const router = createClusterRouter();
  let stopping = false;
  const fork = (): Worker => {
    const worker = cluster.fork();
    router.add(worker.id, {
      send: (message: ClusterMessage) => {
        if (worker.isConnected()) worker.send(message);
      },
    });
    return worker;
  };
  cluster.on('message', (worker, message) => router.receive(worker.id, message));
  cluster.on('exit', (worker, code, signal) => {
    router.remove(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ worker: worker.process.pid, code, signal }, 'a server process stopped; starting another (its runs continue elsewhere)');
    setTimeout(fork, 500).unref();
  });
  for (let index = 0; index < count; index++) fork();
  logger.info({ workers: count }, 'flowrun primary started');
  const stop = (signal: NodeJS.Signals): void => {
    stopping = true;
    logger.info({ signal }, 'shutting down every server process');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
