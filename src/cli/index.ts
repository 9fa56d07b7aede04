#!/usr/bin/env node
import './node-version.js';
import { Command } from 'commander';
// Each command loads what it needs when it runs: `--version`, `--help` and the client commands never load the
// database driver or the server.
import { settingsHelp } from './settings.js';
import { packageVersion } from '../version.js';
import { cliCommand } from './invocation.js';
import { exitQuietlyOnClosedPipe } from './closed-pipe.js';

exitQuietlyOnClosedPipe(process.stdout);
exitQuietlyOnClosedPipe(process.stderr);

/** The examples, written with `npx flowrun`, as the command that runs this CLI here (`node dist/cli/index.js` in a clone). */
const cli = cliCommand();
const examples = (...lines: string[]): string =>
  `\nExamples:\n${lines.map((line) => `  $ ${line.replaceAll('npx flowrun', cli)}`).join('\n')}\n`;

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
      `\nSee \`${cli} serve --help\` for every setting.\n`,
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
    const { describeDatabase, openDatabase, readConfig } = await import('../config.js');
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
  .action(async (options) => (await import('./commands/keys.js')).createKeyCommand(options));
keys
  .command('limits')
  .description("set a key's own limits ('default' returns to the server's)")
  .argument('<id>')
  .option('--rate-limit-per-minute <n>', "requests per minute (0: none; 'default')")
  .option('--max-runs-in-flight <n>', "runs queued or running at once (0: none; 'default')")
  .action(async (id: string, options) => (await import('./commands/keys.js')).setKeyLimitsCommand(id, options));
keys
  .command('list')
  .description('list keys (prefixes only)')
  .option('--tenant <name>')
  .option('--json', 'print JSON')
  .action(async (options) => (await import('./commands/keys.js')).listKeysCommand(options));
keys
  .command('revoke')
  .description('revoke a key by id')
  .argument('<id>')
  .action(async (id: string) => (await import('./commands/keys.js')).revokeKeyCommand(id));

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
  .action(async (options) => (await import('./commands/credits.js')).addCreditsCommand(options));
credits
  .command('show')
  .description("a tenant's balance")
  .option('--tenant <name>', 'tenant', 'default')
  .option('--mode <mode>', 'test or live (like `keys create`)', 'test')
  .action(async (options) => (await import('./commands/credits.js')).showCreditsCommand(options));

// Client commands: they talk to a running server over its API (--url, --key; FLOWRUN_URL, FLOWRUN_API_KEY).
const remote = (command: Command): Command =>
  command
    .option('--url <url>', 'the server (FLOWRUN_URL; default http://127.0.0.1:$PORT)')
    .option('--key <key>', 'the API key (FLOWRUN_API_KEY)');
const collect = (value: string, previous: string[] = []) => [...previous, value];

remote(
  program
    .command('run')
    .description('run a flow file (a flow or a whole dispatch body) or a stored flow (id or slug), streamed to the terminal')
    .argument('<flow>', 'FLOW.json, or the id or slug of a stored flow')
    .option('--record <json>', 'the record, as JSON or @file.json')
    .option('--input <name=value>', 'an input (repeatable; the value as JSON when it is JSON)', collect)
    .option('--events <dialect>', 'the event vocabulary printed: unified, runtype or travrse (raw frames)')
    .option('--json', 'print each event as one JSON line'),
)
  .addHelpText(
    'after',
    examples(
      'npx flowrun run flows/greeter.json --input name=Ada',
      'npx flowrun run product_description --record \'{"name": "Bottle"}\'',
      'npx flowrun run greeter.json --json --events runtype > events.jsonl',
    ),
  )
  .action(async (flow: string, options) => (await import('./commands/run.js')).runCommand(flow, options));

const runs = program.command('runs').description('executions: list, show, replay');
remote(
  runs
    .command('list')
    .description('the newest runs')
    .option('--status <status>', 'queued, running, paused, completed, failed or cancelled')
    .option('--limit <n>', 'how many (1-100)', '20')
    .option('--json', 'print JSON'),
).action(async (options) => (await import('./commands/runs.js')).listRunsCommand(options));
remote(runs.command('show').description('one run: steps, tokens, cost, output').argument('<id>').option('--json', 'print JSON')).action(
  async (id: string, options) => (await import('./commands/runs.js')).showRunCommand(id, options),
);
remote(
  runs
    .command('replay')
    .description("a run's events again, then live while it goes on")
    .argument('<id>')
    .option('--after <seq>', 'replay after this event number', '0')
    .option('--json', 'print each event as one JSON line'),
).action(async (id: string, options) => (await import('./commands/runs.js')).replayRunCommand(id, options));
runs.addHelpText(
  'after',
  examples('npx flowrun runs list --status failed', 'npx flowrun runs show exec_…', 'npx flowrun runs replay exec_… --after 10'),
);

const flows = program.command('flows').description('sync flows between files and the server, like a migration tool');
remote(
  flows
    .command('push')
    .description('create or update stored flows from flow files (matched by slug, else name)')
    .argument('<path>', 'a flow file or a folder of them')
    .option('--dry-run', 'say what would change, change nothing'),
).action(async (path: string, options) => (await import('./commands/flows.js')).pushFlowsCommand(path, options));
remote(flows.command('pull').description('write every stored flow to a file').argument('[dir]', 'the folder (default: flows)')).action(
  async (dir: string | undefined, options) => (await import('./commands/flows.js')).pullFlowsCommand(dir, options),
);
flows.addHelpText(
  'after',
  examples('npx flowrun flows pull flows/', 'npx flowrun flows push flows/ --dry-run', 'npx flowrun flows push flows/'),
);

remote(
  program
    .command('approve')
    .description("decide a paused run's approval and stream the run on")
    .argument('<executionId>')
    .argument('[approvalId]', "the approval (default: the run's only pending one)")
    .option('--deny', 'deny instead of approve')
    .option('--reason <text>', 'why'),
)
  .addHelpText('after', examples('npx flowrun approve exec_…', 'npx flowrun approve exec_… appr_… --deny --reason "not now"'))
  .action(async (executionId: string, approvalId: string | undefined, options) =>
    (await import('./commands/approve.js')).approveCommand(executionId, approvalId, options),
  );

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`flowrun: ${(error as Error).message}\n`);
  process.exit(1);
});
