import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { FlowRequest, FlowrunClient } from '@flowrun/client';
import { remoteClient, withRemote, type RemoteOptions } from '../remote.js';
import { createTerminal } from '../terminal.js';

/** The fields of a flow file, in the order they are written: what a flow is, without its server-side state. */
const definitionFields = ['name', 'slug', 'description', 'entrypoint', 'steps', 'templates'] as const;

/** A flow file's fields, typed as a flow request: the server checks what a file holds (a 422 naming the field). */
type FlowFile = Pick<FlowRequest, (typeof definitionFields)[number]>;
type Listed = { id: string; slug: string | null; name: string };

/**
 * `flowrun flows push FILE|DIR`: each flow file is matched to a stored flow by slug (else by name) and created,
 * updated (a new version when the stored one is active somewhere) or left as it is, like a migration tool.
 */
export function pushFlowsCommand(path: string, options: RemoteOptions & { dryRun?: boolean }): Promise<void> {
  return withRemote(async () => {
    const flowrun = remoteClient(options);
    const terminal = createTerminal();
    const stored = (await flowrun.flows.list()).data as unknown as Listed[];
    for (const file of flowFiles(path)) {
      const flow = readFlowFile(file);
      const match = stored.find((entry) => (flow.slug ? entry.slug === flow.slug : entry.name === flow.name));
      const action = match ? ((await sameDefinition(flowrun, match.id, flow)) ? 'unchanged' : 'update') : 'create';
      if (!options.dryRun && action === 'create') stored.push((await flowrun.flows.create(flow)) as unknown as Listed);
      if (!options.dryRun && action === 'update') await flowrun.flows.update(match!.id, flow);
      const label = { create: terminal.green('created'), update: terminal.yellow('updated'), unchanged: terminal.dim('unchanged') }[action];
      terminal.write(
        `${options.dryRun && action !== 'unchanged' ? `would be ${action}d` : label}  ${flow.slug ?? flow.name}  ${terminal.dim(file)}\n`,
      );
    }
  });
}

/** `flowrun flows pull [DIR]`: every stored flow as `DIR/<slug or name>.json`, ready to edit and push back. */
export function pullFlowsCommand(dir: string | undefined, options: RemoteOptions): Promise<void> {
  return withRemote(async () => {
    const flowrun = remoteClient(options);
    const target = dir ?? 'flows';
    mkdirSync(target, { recursive: true });
    const stored = (await flowrun.flows.list()).data as unknown as Listed[];
    for (const entry of stored) {
      const view = (await flowrun.flows.get(entry.id)) as { slug: string | null; definition: Record<string, unknown> };
      const flow = fileOf({ ...view.definition, slug: view.slug ?? undefined });
      const file = join(target, `${fileNameOf(String(view.slug ?? flow.name))}.json`);
      writeFileSync(file, `${JSON.stringify(flow, null, 2)}\n`);
      process.stdout.write(`wrote ${file}\n`);
    }
    if (stored.length === 0) process.stdout.write('no flows on the server\n');
  });
}

function flowFiles(path: string): string[] {
  if (!statSync(path, { throwIfNoEntry: false })) throw new Error(`no such file or folder: ${path}`);
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(path, name));
}

function readFlowFile(file: string): FlowFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { name?: unknown }).name !== 'string')
    throw new Error(`${file}: a flow file is an object with a name and steps (or templates)`);
  return fileOf(parsed as Record<string, unknown>);
}

/** The definition fields only, undefined ones left out, in a fixed order (so files diff cleanly). */
function fileOf(source: Record<string, unknown>): FlowFile {
  return Object.fromEntries(definitionFields.filter((field) => source[field] != null).map((field) => [field, source[field]])) as FlowFile;
}

async function sameDefinition(flowrun: FlowrunClient, id: string, flow: FlowFile): Promise<boolean> {
  const view = (await flowrun.flows.get(id)) as { slug: string | null; definition: Record<string, unknown> };
  return JSON.stringify(fileOf({ ...view.definition, slug: view.slug ?? undefined })) === JSON.stringify(fileOf(flow));
}

const fileNameOf = (name: string): string => basename(name.replace(/[^A-Za-z0-9_.-]+/g, '-')) || 'flow';
