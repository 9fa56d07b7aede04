import { useState } from 'react';
import { useSession } from '../use-session';
import { useLoad } from '../hooks';
import { Link, navigate } from '../router';
import { ActionButton, Async, Empty, PageHeader } from '../ui';
import { ModelPicker } from '../model-picker';
import type { Agent } from '@flowrun/client';
import { settingsOf } from './agents';

/** The editor's fields; numbers are undefined when left empty (the server's default applies). */
interface AgentForm {
  name: string;
  description: string;
  model: string;
  systemPrompt: string;
  temperature?: number;
  maxTurns?: number;
  maxCost?: number;
  maxToolCalls?: number;
  toolIds: string[];
}

function formOf(stored: Agent | null): AgentForm {
  const settings = settingsOf(stored);
  const tools = (settings.tools as { toolIds?: string[]; maxToolCalls?: number } | undefined) ?? {};
  const loop = (settings.loopConfig as { maxTurns?: number; maxCost?: number } | undefined) ?? {};
  return {
    name: stored?.name ?? '',
    description: String(settings.description ?? ''),
    model: String(settings.model ?? 'flowrun/echo'),
    systemPrompt: String(settings.systemPrompt ?? ''),
    temperature: settings.temperature as number | undefined,
    maxTurns: loop.maxTurns ?? (settings.maxTurns as number | undefined),
    maxCost: loop.maxCost,
    maxToolCalls: tools.maxToolCalls,
    toolIds: tools.toolIds ?? [],
  };
}

/** The agent as `POST /v1/agents` takes it: its model settings under `config`, as Runtype's saved agents have them. */
function bodyOf(form: AgentForm) {
  return {
    name: form.name,
    ...(form.description ? { description: form.description } : {}),
    config: {
      model: form.model,
      ...(form.systemPrompt ? { systemPrompt: form.systemPrompt } : {}),
      ...(form.temperature !== undefined ? { temperature: form.temperature } : {}),
      tools: { toolIds: form.toolIds, ...(form.maxToolCalls ? { maxToolCalls: form.maxToolCalls } : {}) },
      loopConfig: { ...(form.maxTurns ? { maxTurns: form.maxTurns } : {}), ...(form.maxCost ? { maxCost: form.maxCost } : {}) },
    },
  };
}

type FormProps = { form: AgentForm; change: (update: Partial<AgentForm>) => void };

export function AgentEditorScreen({ agentId }: { agentId: string | null }) {
  const { client } = useSession();
  const agent = useLoad(async () => (agentId ? await client.agents.get(agentId) : null), [agentId]);
  return (
    <Async state={agent} what="the agent">
      {(loaded) => <AgentEditor key={loaded?.id ?? 'new'} stored={loaded} />}
    </Async>
  );
}

function AgentEditor({ stored }: { stored: Agent | null }) {
  const { client } = useSession();
  const [form, setForm] = useState(() => formOf(stored));
  const change = (update: Partial<AgentForm>) => setForm((current) => ({ ...current, ...update }));
  const save = async () => {
    if (stored) await client.agents.update(stored.id, bodyOf(form));
    else await client.agents.create(bodyOf(form));
    navigate('/agents');
  };
  return (
    <>
      <PageHeader title={stored ? `Agent: ${stored.name}` : 'New agent'}>
        <Link to="/agents">All agents</Link>
        <ActionButton onAction={save} disabled={!form.name || !form.model}>
          {stored ? 'Save agent' : 'Create agent'}
        </ActionButton>
      </PageHeader>
      <AgentBasics form={form} change={change} />
      <h2>Limits</h2>
      <AgentLimits form={form} change={change} />
      <h2>Tools</h2>
      <AgentTools form={form} change={change} />
    </>
  );
}

function AgentBasics({ form, change }: FormProps) {
  return (
    <>
      <div className="split">
        <div className="field">
          <label htmlFor="agent-name">Name</label>
          <input id="agent-name" value={form.name} onChange={(event) => change({ name: event.target.value })} />
        </div>
        <ModelPicker
          id="agent-model"
          label={<label htmlFor="agent-model">Model</label>}
          value={form.model}
          onChange={(model) => change({ model })}
        />
      </div>
      <div className="field">
        <label htmlFor="agent-description">Description</label>
        <input id="agent-description" value={form.description} onChange={(event) => change({ description: event.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="agent-system">Instructions (system prompt)</label>
        <textarea id="agent-system" rows={6} value={form.systemPrompt} onChange={(event) => change({ systemPrompt: event.target.value })} />
      </div>
    </>
  );
}

const limits: Array<{
  key: 'maxTurns' | 'maxCost' | 'maxToolCalls' | 'temperature';
  label: string;
  min: number;
  max?: number;
  step?: number | 'any';
}> = [
  { key: 'maxTurns', label: 'Max turns', min: 1, max: 100 },
  { key: 'maxCost', label: 'Max cost (USD)', min: 0, step: 'any' },
  { key: 'maxToolCalls', label: 'Max tool calls', min: 1, max: 100 },
  { key: 'temperature', label: 'Temperature', min: 0, max: 2, step: 0.1 },
];

function AgentLimits({ form, change }: FormProps) {
  return (
    <div className="toolbar">
      {limits.map(({ key, label, ...range }) => (
        <div key={key}>
          <label htmlFor={`agent-${key}`}>{label}</label>
          <input
            id={`agent-${key}`}
            type="number"
            {...range}
            value={form[key] ?? ''}
            onChange={(event) => change({ [key]: event.target.value === '' ? undefined : Number(event.target.value) })}
          />
        </div>
      ))}
    </div>
  );
}

function AgentTools({ form, change }: FormProps) {
  const { client } = useSession();
  const tools = useLoad(async () => (await client.tools.list()).data as Array<{ id: string; name: string; toolType: string }>, []);
  return (
    <Async state={tools} what="tools">
      {(list) =>
        list.length === 0 ? (
          <Empty>
            No tools to give it yet. <Link to="/tools/new">Create a tool</Link>.
          </Empty>
        ) : (
          <ul style={{ listStyle: 'none', padding: 0 }}>
            {list.map((tool) => (
              <li key={tool.id}>
                <label className="row" style={{ fontWeight: 400, margin: 2 }}>
                  <input
                    type="checkbox"
                    checked={form.toolIds.includes(tool.id) || form.toolIds.includes(tool.name)}
                    onChange={(event) =>
                      change({
                        toolIds: event.target.checked
                          ? [...form.toolIds, tool.id]
                          : form.toolIds.filter((id) => id !== tool.id && id !== tool.name),
                      })
                    }
                  />
                  <code>{tool.name}</code> <span className="muted">({tool.toolType})</span>
                </label>
              </li>
            ))}
          </ul>
        )
      }
    </Async>
  );
}
