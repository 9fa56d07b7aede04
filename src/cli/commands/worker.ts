import { readConfig } from '../../config.js';
import { createLogger } from '../../main.js';
import { startWorker } from '../../worker.js';

export async function workerCommand(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  const worker = await startWorker(config, logger);
  const stop = (signal: string): void => {
    logger.info({ signal }, 'worker stopping: no new runs, finishing the ones in flight');
    worker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'worker shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
