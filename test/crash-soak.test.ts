import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, readConfig } from '../src/config.js';
import { getBalance, ledgerSum } from '../src/store/credits-repository.js';
import { readEvents } from '../src/store/events-repository.js';
import { readSse } from './support/harness.js';
import { runCli } from './support/server-process.js';
import { waitFor } from './support/wait-for.js';
import { startSoakWorld, type SoakWorld } from './support/soak-world.js';
import { runScenario, SoakClient, soakKinds, type SoakKind, type SoakRun, type SoakSetup } from './support/soak-scenarios.js';

/**
 * The crash soak: a real server process is SIGKILLed at seeded-random moments while clients drive a mix of work
 * through it (multi-step flows with external tools and secrets, agents with a sub-agent and a flow tool,
 * PromptShuttle runs with credits, approvals and client-tool pauses decided before and after restarts, cancels,
 * and idempotent client retries), restarted each time, and every run is checked against docs/durability.md.
 * `npm run test:faults` runs it small (one kill; CI: ten); `npm run test:soak` runs 1,000 kills (FLOWRUN_SOAK_KILLS) and writes its figures.
 */
const killTarget = Number(process.env.FLOWRUN_SOAK_KILLS ?? 1);
const clients = Number(process.env.FLOWRUN_SOAK_CLIENTS ?? 2);
const seed = Number(process.env.FLOWRUN_FAULT_SEED ?? 20261122);
const reportPath = process.env.FLOWRUN_SOAK_REPORT;

function mulberry32(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

let world: SoakWorld;
let dataDir: string;
before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'flowrun-soak-'));
  world = await startSoakWorld(dataDir);
});
after(async () => {
  await world.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function prepare(client: SoakClient): Promise<SoakSetup> {
  const researcher = await client.call('POST', '/v1/agents', {
    name: 'Researcher',
    config: { model: 'gpt-4o-mini', systemPrompt: 'You research.' },
  });
  const shout = await client.call('POST', '/v1/dispatch', {
    flow: { name: 'Shout', steps: [{ id: 'up', name: 'Up', type: 'set-variable', config: { variableName: 'loud', value: '{{text}}!!' } }] },
    options: { flowMode: 'create', streamResponse: false },
  });
  const shuttle = await client.call('POST', '/api/v1/flows', {
    name: 'Soak copy',
    slug: 'soak_copy',
    entrypoint: 'main',
    templates: [{ name: 'main', template: 'You write copy.', userTemplate: 'run [[nonce]] copy', llm: 'gpt-4o' }],
  });
  return { researcherId: researcher.body.id, shoutFlowId: shout.body.flowId, shuttleFlowId: shuttle.body.id };
}

/** Checks one run against the durability promises once it has ended; returns what went wrong. */
async function verify(client: SoakClient, run: SoakRun, kills: number[]): Promise<string[]> {
  const problems: string[] = [];
  const label = `${run.kind} ${run.nonce} ${run.executionId}`;
  const execution = await client.until(run.executionId, ['completed', 'failed', 'cancelled']);
  if (!run.expected.includes(execution.status)) problems.push(`${label}: ${execution.status} ${JSON.stringify(execution.error)}`);
  if (execution.status === 'completed' && run.output && run.output(execution) !== run.expectedOutput) {
    problems.push(`${label}: output ${JSON.stringify(run.output(execution))}`);
  }
  for (const dialect of ['runtype', 'unified']) {
    const answer = await fetchEvents(client, run.executionId, dialect);
    const starts = answer.filter((event) => ['flow_start', 'agent_start', 'execution_start'].includes(event.event)).length;
    if (starts !== 1) problems.push(`${label}: ${starts} start events in ${dialect}`);
    if (dialect !== 'runtype') continue;
    const completed = new Map<string, number>();
    for (const event of answer.filter((frame) => frame.event === 'step_complete')) {
      completed.set(String(event.data.id), (completed.get(String(event.data.id)) ?? 0) + 1);
    }
    for (const [step, count] of completed) if (count > 1) problems.push(`${label}: step ${step} completed ${count} times`);
  }
  const between = (from: number, to: number) => kills.some((at) => at >= from && at <= to);
  for (const step of run.toolSteps) {
    const calls = world.observations.arrivals.filter((arrival) => arrival.call === `${run.nonce}:${step}`);
    if (execution.status === 'completed' && calls.length === 0) problems.push(`${label}: tool of step ${step} never ran`);
    if (new Set(calls.map((call) => call.key)).size > 1)
      problems.push(`${label}: step ${step} called with keys ${calls.map((call) => call.key)}`);
    if (calls.some((call) => call.authorization !== `Bearer tok-${run.nonce}`)) problems.push(`${label}: step ${step} lost its secret`);
    for (let index = 1; index < calls.length; index++) {
      if (!between(calls[index - 1]!.at, calls[index]!.at)) problems.push(`${label}: tool of step ${step} ran twice without a kill`);
    }
  }
  return problems;
}

/** A run's whole stored log in `dialect`, read again when a kill cut the reading off. */
function fetchEvents(client: SoakClient, executionId: string, dialect: string) {
  return waitFor(
    () =>
      fetch(`${world.baseUrl}/v1/executions/${executionId}/events?events=${dialect}`, {
        headers: { authorization: `Bearer ${client.key}` },
      })
        .then(readSse)
        .catch(() => undefined),
    `the ${dialect} log of ${executionId} read whole`,
    { limitMs: 120_000, everyMs: 100 },
  );
}

/**
 * Model turns across all runs: a turn asked again must have had a kill since its previous call (it was in flight),
 * and no turn is asked again after its tools started: its answer was journaled before them.
 */
function modelRepeats(kills: number[]) {
  const { modelCalls, arrivals } = world.observations;
  const byTurn = new Map<string, typeof modelCalls>();
  for (const call of modelCalls) byTurn.set(call.turn, [...(byTurn.get(call.turn) ?? []), call]);
  // When a turn's tools started: its first external call, or (an agent's) its sub-agent's first model call.
  const toolsStarted = new Map<string, number>();
  for (const arrival of arrivals) {
    const turn = `${arrival.call}:0`;
    toolsStarted.set(turn, Math.min(toolsStarted.get(turn) ?? Infinity, arrival.at));
  }
  for (const call of modelCalls.filter((entry) => entry.turn.includes(':research:'))) {
    const turn = `${call.turn.split(':')[0]}:lead:0`;
    toolsStarted.set(turn, Math.min(toolsStarted.get(turn) ?? Infinity, call.at));
  }
  let repeated = 0;
  const problems: string[] = [];
  for (const [turn, calls] of byTurn) {
    repeated += calls.length - 1;
    for (let index = 1; index < calls.length; index++) {
      const [previous, call] = [calls[index - 1]!, calls[index]!];
      // A call whose answer never arrived in full may be retried by the gateway; one that was answered only after a kill.
      const killed = kills.some((at) => at >= previous.at && at <= call.at);
      if (previous.request.completed && !killed)
        problems.push(`model turn ${turn} asked twice without a kill (${previous.at}, ${call.at})`);
      if (call.at > (toolsStarted.get(turn) ?? Infinity)) problems.push(`model turn ${turn} asked again after its tools ran`);
    }
  }
  return { repeated, problems };
}

async function checkStore() {
  const db = await openDatabase(readConfig({ FLOWRUN_DATA_DIR: dataDir }));
  const scope = { tenantId: 'default', mode: 'test' as const };
  try {
    const rows = await db.selectFrom('executions').select(['id', 'status', 'credits_reserved', 'secrets_sealed']).execute();
    const gaps: string[] = [];
    for (const { id } of rows) {
      // Through the repository: a stream's deltas of one group commit are one row.
      const events = await readEvents(db, id, 0, 1_000_000);
      if (events.some((event, index) => event.seq !== index + 1)) gaps.push(id);
    }
    return {
      executions: rows.length,
      statusOf: new Map(rows.map((row) => [row.id, row.status])),
      unfinished: rows.filter((row) => !['completed', 'failed', 'cancelled'].includes(row.status)).map((row) => `${row.id} ${row.status}`),
      held: rows.reduce((sum, row) => sum + Number(row.credits_reserved ?? 0), 0),
      sealedLeft: rows.filter((row) => row.secrets_sealed !== null).length,
      gaps,
      balance: await getBalance(db, scope),
      ledger: await ledgerSum(db, scope),
    };
  } finally {
    await db.destroy();
  }
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? 0;

test(
  `${killTarget} SIGKILLs over a mix of work: every run ends as documented, once, with its side effects bounded and the ledger exact`,
  { timeout: 3 * 60 * 60_000 },
  async () => {
    const random = mulberry32(seed);
    const started = Date.now();
    const key = runCli(['keys', 'create'], world.env).stdout.trim();
    await world.start();
    const client = new SoakClient(world, key);
    const setup = await prepare(client);
    const runs: SoakRun[] = [];
    const problems: string[] = [];
    const kinds = new Map<SoakKind, number>();
    let killing = true;
    let sequence = 0;

    const killer = (async () => {
      while (world.observations.kills.length < killTarget) {
        await new Promise((resolve) => setTimeout(resolve, 150 + random() * 1_350));
        await world.killAndRestart();
      }
      killing = false;
    })();
    const worker = async () => {
      while (killing || soakKinds.some((kind) => !kinds.has(kind))) {
        const kind = soakKinds[sequence % soakKinds.length]!;
        const nonce = `n${sequence++}`;
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        try {
          const run = await runScenario(kind, world, client, setup, nonce);
          runs.push(run);
          problems.push(...(await verify(client, run, world.observations.kills)));
        } catch (error) {
          const cause = (error as Error & { cause?: Error }).cause;
          problems.push(`${kind} ${nonce}: ${(error as Error).stack}${cause ? ` (${cause.message})` : ''}`);
        }
      }
    };
    await Promise.all([killer, ...Array.from({ length: clients }, worker)]);
    await world.stop();

    const model = modelRepeats(world.observations.kills);
    const arrivals = new Map<string, number>();
    for (const arrival of world.observations.arrivals) arrivals.set(arrival.call, (arrivals.get(arrival.call) ?? 0) + 1);
    const store = await checkStore();
    const statuses: Record<string, number> = {};
    for (const run of runs) {
      const status = `${run.kind}:${store.statusOf.get(run.executionId)}`;
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    const report = {
      seed,
      kills: world.observations.kills.length,
      runs: runs.length,
      executions: store.executions,
      statuses,
      modelCalls: world.observations.modelCalls.length,
      repeatedModelCalls: model.repeated,
      externalCalls: world.observations.arrivals.length,
      repeatedExternalCalls: [...arrivals.values()].reduce((sum, count) => sum + count - 1, 0),
      restartMs: {
        p50: percentile(world.observations.restarts, 0.5),
        p95: percentile(world.observations.restarts, 0.95),
        max: Math.max(...world.observations.restarts),
      },
      minutes: Math.round((Date.now() - started) / 600) / 100,
    };
    console.log(`soak: ${JSON.stringify(report)}`);
    const ledger = {
      unfinished: store.unfinished.length,
      gaps: store.gaps.length,
      reservedLeft: store.held,
      sealedSecretsLeft: store.sealedLeft,
      ledgerMinusBalance: store.ledger - store.balance,
    };
    if (reportPath)
      writeFileSync(reportPath, `${JSON.stringify({ ...report, ...ledger, problems: [...problems, ...model.problems] }, null, 2)}\n`);

    // Everything at once, so one broken promise does not hide another.
    assert.deepEqual(
      {
        problems: [...problems, ...model.problems].slice(0, 20),
        unfinished: store.unfinished,
        gaps: store.gaps,
        reservedLeft: store.held,
        sealedSecretsLeft: store.sealedLeft,
        ledgerMinusBalance: store.ledger - store.balance,
      },
      { problems: [], unfinished: [], gaps: [], reservedLeft: 0, sealedSecretsLeft: 0, ledgerMinusBalance: 0 },
    );
  },
);
