import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait-for.js';

// From the build, as users run it (`npm test` builds first when the sources are newer): no TypeScript loader
// in the child, so a process starts in a fraction of the time.
const cli = ['dist/cli/index.js'];

/** Runs a `flowrun` CLI command to its end. */
export function runCli(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [...cli, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
}

/** Starts `flowrun serve` as a child process and waits until it listens; `logs()` is everything it printed. */
export async function startServerProcess(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; logs: () => string }> {
  // One process unless a test asks for more (FLOWRUN_WORKERS), so a kill stops the whole server at once.
  const started = await startCliProcess(['serve'], { FLOWRUN_WORKERS: '1', ...env }, /flowrun listening/);
  return { ...started, url: /"url":"([^"]+)"/.exec(started.logs())![1]! };
}

/** Starts a `flowrun` command as a child process and waits until it prints `ready`. */
export async function startCliProcess(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; logs: () => string }> {
  const child = spawn(process.execPath, [...cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`flowrun ${args.join(' ')} exited before it started: ${output}`);
      return ready.test(output);
    },
    () => `flowrun ${args.join(' ')} started (it printed: ${output})`,
  );
  return { child, logs: () => output };
}

/** Kills a server process with SIGKILL (no chance to clean up) and resolves once it has exited. */
export function killProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
