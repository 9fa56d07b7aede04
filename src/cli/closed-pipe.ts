/**
 * `flowrun runs list | head`: once the reader is gone, a write fails with EPIPE. That is the reader's choice, not
 * an error of this command: it stops at once, quietly, with 0 (as `ls | head` does). Any other write error still
 * stops the process as an uncaught error.
 */
export function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream, exit: (code: number) => void = process.exit): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') return exit(0);
    throw error;
  });
}
