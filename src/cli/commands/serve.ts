import { readConfig } from '../../config.js';
import { createLogger, startServer } from '../../main.js';

export async function serveCommand(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  const server = await startServer(config, logger);
  const stop = (signal: string): void => {
    logger.info({ signal }, 'shutting down: no new requests, waiting for running flows');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
