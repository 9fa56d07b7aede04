#!/usr/bin/env node
import './node-version.js';
import { Command } from 'commander';
import { describeDatabase, openDatabase, readConfig } from '../config.js';
import { createKeyCommand, listKeysCommand, revokeKeyCommand, setKeyLimitsCommand } from './commands/keys.js';
import { addCreditsCommand, showCreditsCommand } from './commands/credits.js';
import { settingsHelp } from './settings.js';
import { packageVersion } from './version.js';

const examples = (...lines: string[]): string => `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;

const program = new Command('flowrun')
  .description('Flowrun: a self-hostable runtime for AI flows and agents')
  .version(packageVersion(), '-v, --version', 'print the version');

program
  .command('serve')
  .description('start the HTTP server (HOST, PORT, FLOWRUN_DATA_DIR, …)')
  .option('--workers <n>', 'server processes sharing the port and the store (FLOWRUN_WORKERS; default: the number of cores)')
  .addHelpText(
    'after',
    () =>
      examples('npx flowrun serve', 'PORT=9000 npx flowrun serve --workers 1', 'OPENAI_API_KEY=sk-… npx flowrun serve') + settingsHelp(),
  )
  .action(async (options: { workers?: string }) => (await import('./commands/serve.js')).serveCommand(options));

program
  .command('worker')
  .description('execute runs from the queue (FLOWRUN_REDIS_URL; FLOWRUN_WORKER_CONCURRENCY at once)')
  .addHelpText(
    'after',
    examples('FLOWRUN_REDIS_URL=redis://127.0.0.1:6379 FLOWRUN_DATABASE_URL=postgres://… FLOWRUN_SECRET_KEY=… npx flowrun worker') +
      '\nSee `npx flowrun serve --help` for every setting.\n',
  )
  .action(async () => (await import('./commands/worker.js')).workerCommand());

program
  .command('migrate')
  .description('create or update the database schema')
  .addHelpText(
    'after',
    examples('npx flowrun migrate', 'FLOWRUN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/flowrun npx flowrun migrate'),
  )
  .action(async () => {
    const config = readConfig();
    const db = await openDatabase(config);
    await db.destroy();
    process.stdout.write(`Database ready: ${describeDatabase(config)}\n`);
  });

const keys = program
  .command('keys')
  .description('manage API keys')
  .addHelpText(
    'after',
    examples(
      'npx flowrun keys create',
      'npx flowrun keys create --mode live --name ci',
      'npx flowrun keys list',
      'npx flowrun keys revoke key_…',
    ),
  );
keys
  .command('create')
  .description('create an API key and print it once')
  .option('--mode <mode>', 'test or live', 'test')
  .option('--tenant <name>', 'the tenant that owns the key', 'default')
  .option('--name <label>', 'a label to recognise the key by')
  .option('--rate-limit-per-minute <n>', 'requests per minute for this key (0: none; default: FLOWRUN_RATE_LIMIT_PER_MINUTE)')
  .option('--max-runs-in-flight <n>', 'runs of this key queued or running at once (0: none; default: FLOWRUN_MAX_RUNS_IN_FLIGHT)')
  .option('--json', 'print JSON')
  .action(createKeyCommand);
keys
  .command('limits')
  .description("set a key's own limits ('default' returns to the server's)")
  .argument('<id>')
  .option('--rate-limit-per-minute <n>', "requests per minute (0: none; 'default')")
  .option('--max-runs-in-flight <n>', "runs queued or running at once (0: none; 'default')")
  .action(setKeyLimitsCommand);
keys
  .command('list')
  .description('list keys (prefixes only)')
  .option('--tenant <name>')
  .option('--json', 'print JSON')
  .action(listKeysCommand);
keys.command('revoke').description('revoke a key by id').argument('<id>').action(revokeKeyCommand);

const credits = program
  .command('credits')
  .description('the credit ledger (1,000,000 credits = 1 USD)')
  .addHelpText('after', examples('npx flowrun credits show', 'npx flowrun credits add --amount 5000000 --reason "top-up"'));
credits
  .command('add')
  .description('top up a tenant (a negative amount takes credits away)')
  .requiredOption('--amount <credits>', 'whole credits to add')
  .option('--tenant <name>', 'tenant', 'default')
  .option('--mode <mode>', 'test or live (like `keys create`)', 'test')
  .option('--reason <text>', 'ledger note')
  .action(addCreditsCommand);
credits
  .command('show')
  .description("a tenant's balance")
  .option('--tenant <name>', 'tenant', 'default')
  .option('--mode <mode>', 'test or live (like `keys create`)', 'test')
  .action(showCreditsCommand);

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`flowrun: ${(error as Error).message}\n`);
  process.exit(1);
});
