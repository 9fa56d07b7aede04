// The peer comparison: Flowise (a Node server users pick for the same job) answering the same one-step prompt on
// the same fake model server, in the same benchmark run. Flowise is not a dependency of Flowrun: install it
// beside the project (BENCH_FLOWISE_DIR, default ../flowise-bench) on Node 24:
//   npm install --prefix ../flowise-bench flowise@3.1.4 --ignore-scripts && (cd ../flowise-bench && npm rebuild sqlite3)
// startFlowise() starts it on a fresh data folder, stores a chatflow (Prompt Template → LLM Chain → ChatOpenAI
// pointed at the fake model server) straight into its SQLite database, and returns the prediction URL.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';

export const flowiseDir = resolve(process.env.BENCH_FLOWISE_DIR ?? '../flowise-bench');

export function flowiseInstalled() {
  return existsSync(join(flowiseDir, 'node_modules/.bin/flowise'));
}

function chatflow(modelUrl) {
  const template = JSON.parse(readFileSync(join(flowiseDir, 'node_modules/flowise/marketplaces/chatflows/LLM Chain.json'), 'utf8'));
  const nodes = template.nodes.filter((node) => node.data.name === 'promptTemplate' || node.data.name === 'llmChain');
  const prompt = nodes.find((node) => node.data.name === 'promptTemplate');
  prompt.data.inputs = { template: 'Say hello to {name}', promptValues: JSON.stringify({ name: '{{question}}' }) };
  const chain = nodes.find((node) => node.data.name === 'llmChain');
  chain.data.inputs.model = '{{chatOpenAI_0.data.instance}}';
  const handle = 'chatOpenAI_0-output-chatOpenAI-ChatOpenAI|BaseChatModel|BaseLanguageModel|Runnable';
  // The template's chat model node lends its parameter lists (Flowise looks inputs up in them).
  const lender = template.nodes.find((node) => node.data.category === 'Chat Models');
  nodes.push({
    id: 'chatOpenAI_0',
    position: { x: 0, y: 0 },
    type: 'customNode',
    data: {
      id: 'chatOpenAI_0',
      label: 'ChatOpenAI',
      version: 8,
      name: 'chatOpenAI',
      type: 'ChatOpenAI',
      baseClasses: ['ChatOpenAI', 'BaseChatModel', 'BaseLanguageModel', 'Runnable'],
      category: 'Chat Models',
      // Not streaming: with streaming on, a prediction that does not stream to its caller never ended here (Flowise
      // 3.1.4 asked the model, got the whole answer and hung); Flowrun streams from the model either way.
      inputs: { modelName: 'gpt-4o-mini', temperature: 0.9, streaming: false, basepath: `${modelUrl}/v1`, openAIApiKey: 'sk-bench' },
      outputAnchors: [
        { id: handle, name: 'chatOpenAI', label: 'ChatOpenAI', type: 'ChatOpenAI | BaseChatModel | BaseLanguageModel | Runnable' },
      ],
      outputs: {},
      inputParams: lender.data.inputParams,
      inputAnchors: lender.data.inputAnchors,
    },
  });
  const edges = template.edges.filter((edge) => edge.source === 'promptTemplate_0');
  edges.push({
    source: 'chatOpenAI_0',
    sourceHandle: handle,
    target: 'llmChain_0',
    targetHandle: 'llmChain_0-input-model-BaseLanguageModel',
    type: 'buttonedge',
    id: `chatOpenAI_0-${handle}-llmChain_0`,
  });
  return JSON.stringify({ nodes, edges, viewport: { x: 0, y: 0, zoom: 1 } });
}

export async function startFlowise(modelUrl) {
  const dataDir = mkdtempSync(join(tmpdir(), 'flowise-bench-'));
  const port = 30000 + Math.floor(Math.random() * 5000);
  const env = {
    ...process.env,
    PORT: String(port),
    DATABASE_PATH: dataDir,
    APIKEY_PATH: dataDir,
    SECRETKEY_PATH: dataDir,
    LOG_PATH: join(dataDir, 'logs'),
    BLOB_STORAGE_PATH: join(dataDir, 'storage'),
    LOG_LEVEL: process.env.BENCH_FLOWISE_LOG_LEVEL ?? 'error',
    DISABLE_FLOWISE_TELEMETRY: 'true',
  };
  // Its output is dropped, not piped: Flowise logs to stdout synchronously, and a pipe nobody reads fills up and
  // stops its event loop (that was the "hang" of the first attempts).
  const child = spawn(process.execPath, [join(flowiseDir, 'node_modules/flowise/bin/run'), 'start'], {
    cwd: flowiseDir,
    env,
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error('Flowise did not start within 3 minutes');
    const up = await fetch(`${url}/api/v1/ping`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const [id, user, org, workspace] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const now = new Date().toISOString();
  const insert = spawnSync('sqlite3', [join(dataDir, 'database.sqlite')], {
    // The user, organization and workspace Flowise's own sign-up would create, then the chatflow in that workspace.
    input: [
      `insert into "user" (id, name, email, status, createdBy, updatedBy) values ('${user}', 'bench', 'bench@example.com', 'active', '${user}', '${user}');`,
      `insert into organization (id, name, createdBy, updatedBy) values ('${org}', 'bench', '${user}', '${user}');`,
      `insert into workspace (id, name, organizationId, createdBy, updatedBy) values ('${workspace}', 'bench', '${org}', '${user}', '${user}');`,
      `insert into chat_flow (id, name, flowData, deployed, isPublic, createdDate, updatedDate, type, workspaceId) values ('${id}', 'bench', '${chatflow(modelUrl).replace(/'/g, "''")}', 1, 1, '${now}', '${now}', 'CHATFLOW', '${workspace}');`,
    ].join('\n'),
    encoding: 'utf8',
  });
  if (insert.status !== 0) throw new Error(`could not store the Flowise chatflow: ${insert.stderr}`);
  return {
    url,
    pid: child.pid,
    predictionUrl: `${url}/api/v1/prediction/${id}`,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
