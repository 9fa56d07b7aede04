import { readConfig } from '../../config.js';
import { createLogger } from '../../main.js';
import { startWorker } from '../../worker.js';
import { stopOnSignals } from './stop-on-signals.js';

export async function workerCommand(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  const worker = await startWorker(config, logger);
  stopOnSignals(logger, 'worker stopping: no new runs, finishing the ones in flight', worker.close);
}
