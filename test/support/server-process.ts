import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

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
  const child = spawn(process.execPath, [...cli, 'serve'], {
    env: { ...process.env, FLOWRUN_WORKERS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 30_000;
  while (!/flowrun listening/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { child, url: /"url":"([^"]+)"/.exec(output)![1]!, logs: () => output };
}

/** Kills a server process with SIGKILL (no chance to clean up) and resolves once it has exited. */
export function killProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
