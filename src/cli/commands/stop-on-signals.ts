import type { Logger } from 'pino';

/** On SIGTERM or SIGINT: says so, closes (`close` finishes or hands back what runs), and exits 0 (1 if closing failed). */
export function stopOnSignals(logger: Logger, message: string, close: () => Promise<void>): void {
  const stop = (signal: string): void => {
    logger.info({ signal }, message);
    close().then(
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
