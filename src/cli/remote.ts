import { createFlowrunClient, FlowrunApiError, type FlowrunClient } from '@flowrun/client';
import { cliCommand } from './invocation.js';

/**
 * Where the client commands send their requests, and with which key (FLOWRUN_URL, FLOWRUN_API_KEY): read here, not
 * in config.ts, so that they start without loading the server's settings and store.
 */
function readRemote(env: NodeJS.ProcessEnv = process.env): { url: string; apiKey: string | undefined } {
  return { url: env.FLOWRUN_URL || `http://127.0.0.1:${env.PORT || 8787}`, apiKey: env.FLOWRUN_API_KEY || undefined };
}

export interface RemoteOptions {
  url?: string;
  key?: string;
}

/** The typed client the CLI's client commands use: `--url`/`--key`, else FLOWRUN_URL/FLOWRUN_API_KEY. */
export function remoteClient(options: RemoteOptions): FlowrunClient {
  const remote = readRemote();
  const apiKey = options.key ?? remote.apiKey;
  if (!apiKey)
    throw new Error(`no API key: pass --key or set FLOWRUN_API_KEY (create one with \`${cliCommand()} keys create\` on the server)`);
  return createFlowrunClient({ baseUrl: options.url ?? remote.url, apiKey });
}

/** A server's refusal as a person reads it: the message, then each wrong field with its path and suggestion. */
export function describeFailure(error: unknown): string {
  if (!FlowrunApiError.isInstance(error)) return (error as Error)?.message ?? String(error);
  if (error.status === 0) return `${error.message}: is the server running (${cliCommand()} serve)? Point FLOWRUN_URL or --url at it`;
  const details = error.details.map(
    (detail) => `\n  ${detail.path ? `${detail.path}: ` : ''}${detail.message}${detail.suggestion ? ` (${detail.suggestion})` : ''}`,
  );
  return `${error.message} [${error.code}, HTTP ${error.status}]${details.join('')}`;
}

/** Runs a client command; a failure prints its description and exits 1. */
export async function withRemote(action: () => Promise<number | void>): Promise<void> {
  try {
    const code = await action();
    if (typeof code === 'number' && code !== 0) process.exitCode = code;
  } catch (error) {
    process.stderr.write(`flowrun: ${describeFailure(error)}\n`);
    process.exitCode = 1;
  }
}
