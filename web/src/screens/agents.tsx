import { useState } from 'react';
import { useSession } from '../app';
import { useLoad } from '../hooks';
import { Link, navigate } from '../router';
import { ActionButton, Async, Empty, PageHeader } from '../ui';

interface Agent {
  id: string;
  name: string;
  description?: string | null;
  definition?: Record<string, unknown>;
  [field: string]: unknown;
}

export function AgentsScreen() {
  const { client } = useSession();
  const agents = useLoad(async () => (await client.agents.list()).data as unknown as Agent[], []);
  return (
    <>
      <PageHeader title="Agents">
        <Link className="button" to="/agents/new">
          New agent
        </Link>
      </PageHeader>
      <Async state={agents} what="agents">
        {(list) =>
          list.length === 0 ? (
            <Empty>
              No agents yet. <Link to="/agents/new">Create one</Link>: a model, its instructions, its tools and its limits.
            </Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Name</th>
                    <th className="hide-narrow">Model</th>
                    <th>Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((agent) => (
                    <tr key={agent.id}>
                      <td>
                        <Link to={`/agents/${encodeURIComponent(agent.id)}`}>{agent.name}</Link>
                      </td>
                      <td className="hide-narrow mono">{String(settingsOf(agent).model ?? '—')}</td>
                      <td className="row">
                        <Link className="button secondary" to={`/playground?agent=${encodeURIComponent(agent.id)}`}>
                          Chat
                        </Link>
                        <ActionButton
                          className="danger"
                          label={`Delete ${agent.name}`}
                          onAction={async () => {
                            if (!window.confirm(`Delete the agent “${agent.name}”?`)) return;
                            await client.agents.delete(agent.id);
                            agents.reload();
                          }}
                        >
                          Delete
                        </ActionButton>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Async>
    </>
  );
}

/** An agent's model settings: under `config` (saved agents) or at the top level, as Runtype allows both. */
function settingsOf(agent: Agent | null): Record<string, unknown> {
  const definition = (agent?.definition ?? agent ?? {}) as Record<string, unknown>;
  return { ...definition, ...((definition.config as Record<string, unknown> | undefined) ?? {}) };
}

export function AgentEditorScreen({ agentId }: { agentId: string | null }) {
  const { client } = useSession();
  const agent = useLoad(async () => (agentId ? ((await client.agents.get(agentId)) as unknown as Agent) : null), [agentId]);
  return (
    <Async state={agent} what="the agent">
      {(loaded) => <AgentEditor key={loaded?.id ?? 'new'} stored={loaded} />}
    </Async>
  );
}

function AgentEditor({ stored }: { stored: Agent | null }) {
  const { client } = useSession();
  const settings = settingsOf(stored);
  const toolsConfig = (settings.tools as { toolIds?: string[]; maxToolCalls?: number } | undefined) ?? {};
  const loop = (settings.loopConfig as { maxTurns?: number; maxCost?: number } | undefined) ?? {};
  const [name, setName] = useState(stored?.name ?? '');
  const [description, setDescription] = useState(String(settings.description ?? ''));
  const [model, setModel] = useState(String(settings.model ?? 'flowrun/echo'));
  const [systemPrompt, setSystemPrompt] = useState(String(settings.systemPrompt ?? ''));
  const [temperature, setTemperature] = useState(settings.temperature as number | undefined);
  const [maxTurns, setMaxTurns] = useState<number | undefined>(loop.maxTurns ?? (settings.maxTurns as number | undefined));
  const [maxCost, setMaxCost] = useState<number | undefined>(loop.maxCost);
  const [maxToolCalls, setMaxToolCalls] = useState<number | undefined>(toolsConfig.maxToolCalls);
  const [toolIds, setToolIds] = useState<string[]>(toolsConfig.toolIds ?? []);
  const models = useLoad(async () => (await client.models.list()).data, []);
  const tools = useLoad(async () => (await client.tools.list()).data as Array<{ id: string; name: string; toolType: string }>, []);
  const save = async () => {
    const body = {
      name,
      ...(description ? { description } : {}),
      config: {
        model,
        ...(systemPrompt ? { systemPrompt } : {}),
        ...(temperature !== undefined ? { temperature } : {}),
        tools: { toolIds, ...(maxToolCalls ? { maxToolCalls } : {}) },
        loopConfig: { ...(maxTurns ? { maxTurns } : {}), ...(maxCost ? { maxCost } : {}) },
      },
    };
    if (stored) await client.agents.update(stored.id, body);
    else await client.agents.create(body);
    navigate('/agents');
  };
  const number = (value: string) => (value === '' ? undefined : Number(value));
  return (
    <>
      <PageHeader title={stored ? `Agent: ${stored.name}` : 'New agent'}>
        <Link to="/agents">All agents</Link>
        <ActionButton onAction={save} disabled={!name || !model}>
          {stored ? 'Save agent' : 'Create agent'}
        </ActionButton>
      </PageHeader>
      <div className="split">
        <div className="field">
          <label htmlFor="agent-name">Name</label>
          <input id="agent-name" value={name} onChange={(event) => setName(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="agent-model">Model</label>
          <input id="agent-model" className="mono" list="agent-models" value={model} onChange={(event) => setModel(event.target.value)} />
          <datalist id="agent-models">
            {(models.data ?? []).map((entry) => (
              <option key={entry.id} value={entry.id} />
            ))}
          </datalist>
        </div>
      </div>
      <div className="field">
        <label htmlFor="agent-description">Description</label>
        <input id="agent-description" value={description} onChange={(event) => setDescription(event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="agent-system">Instructions (system prompt)</label>
        <textarea id="agent-system" rows={6} value={systemPrompt} onChange={(event) => setSystemPrompt(event.target.value)} />
      </div>
      <h2>Limits</h2>
      <div className="toolbar">
        <div>
          <label htmlFor="agent-turns">Max turns</label>
          <input
            id="agent-turns"
            type="number"
            min={1}
            max={100}
            value={maxTurns ?? ''}
            onChange={(event) => setMaxTurns(number(event.target.value))}
          />
        </div>
        <div>
          <label htmlFor="agent-cost">Max cost (USD)</label>
          <input
            id="agent-cost"
            type="number"
            min={0}
            step="any"
            value={maxCost ?? ''}
            onChange={(event) => setMaxCost(number(event.target.value))}
          />
        </div>
        <div>
          <label htmlFor="agent-calls">Max tool calls</label>
          <input
            id="agent-calls"
            type="number"
            min={1}
            max={100}
            value={maxToolCalls ?? ''}
            onChange={(event) => setMaxToolCalls(number(event.target.value))}
          />
        </div>
        <div>
          <label htmlFor="agent-temperature">Temperature</label>
          <input
            id="agent-temperature"
            type="number"
            min={0}
            max={2}
            step={0.1}
            value={temperature ?? ''}
            onChange={(event) => setTemperature(number(event.target.value))}
          />
        </div>
      </div>
      <h2>Tools</h2>
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
                      checked={toolIds.includes(tool.id) || toolIds.includes(tool.name)}
                      onChange={(event) =>
                        setToolIds(
                          event.target.checked ? [...toolIds, tool.id] : toolIds.filter((id) => id !== tool.id && id !== tool.name),
                        )
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
    </>
  );
}
