import { useState } from 'react';
import type { ToolTestResult } from '@flowrun/client';
import { CodeEditor } from '../code-editor';
import { useSession } from '../app';
import { useLoad } from '../hooks';
import { Link, navigate } from '../router';
import { ActionButton, Async, Empty, Json, PageHeader } from '../ui';

interface Tool {
  id: string;
  name: string;
  description: string;
  toolType: string;
  parametersSchema: Record<string, unknown>;
  config: Record<string, unknown>;
}

const toolTypes = ['custom', 'external', 'flow', 'mcp', 'subagent'] as const;
type ToolType = (typeof toolTypes)[number];

export function ToolsScreen() {
  const { client } = useSession();
  const tools = useLoad(async () => (await client.tools.list()).data as unknown as Tool[], []);
  return (
    <>
      <PageHeader title="Tools">
        <Link className="button" to="/tools/new">
          New tool
        </Link>
      </PageHeader>
      <Async state={tools} what="tools">
        {(list) =>
          list.length === 0 ? (
            <Empty>
              No tools yet. <Link to="/tools/new">Create one</Link>: JavaScript run in the sandbox, an HTTP API, a flow, an MCP server's
              tools or an agent.
            </Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Type</th>
                    <th className="hide-narrow">Description</th>
                    <th>Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((tool) => (
                    <tr key={tool.id}>
                      <td>
                        <Link to={`/tools/${encodeURIComponent(tool.id)}`}>{tool.name}</Link>
                      </td>
                      <td>{tool.toolType}</td>
                      <td className="hide-narrow">{tool.description || '—'}</td>
                      <td>
                        <ActionButton
                          className="danger"
                          label={`Delete ${tool.name}`}
                          onAction={async () => {
                            if (!window.confirm(`Delete the tool “${tool.name}”?`)) return;
                            await client.tools.delete(tool.id);
                            tools.reload();
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

export function ToolEditorScreen({ toolId }: { toolId: string | null }) {
  const { client } = useSession();
  const tool = useLoad(async () => (toolId ? ((await client.tools.get(toolId)) as unknown as Tool) : null), [toolId]);
  return (
    <Async state={tool} what="the tool">
      {(loaded) => <ToolEditor key={loaded?.id ?? 'new'} stored={loaded} />}
    </Async>
  );
}

const starterCode = `// parameters: the call's arguments. Return the result (JSON).
return { sum: parameters.a + parameters.b };`;
const starterSchema = { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] };

function ToolEditor({ stored }: { stored: Tool | null }) {
  const { client } = useSession();
  const [name, setName] = useState(stored?.name ?? '');
  const [description, setDescription] = useState(stored?.description ?? '');
  const [toolType, setToolType] = useState<ToolType>((stored?.toolType as ToolType) ?? 'custom');
  const [config, setConfig] = useState<Record<string, unknown>>(stored?.config ?? { code: starterCode });
  const [schemaText, setSchemaText] = useState(JSON.stringify(stored?.parametersSchema ?? starterSchema, null, 2));
  const [argsText, setArgsText] = useState('{\n  "a": 2,\n  "b": 3\n}');
  const [secretsText, setSecretsText] = useState('{}');
  const [result, setResult] = useState<ToolTestResult | null>(null);
  const parse = (text: string, what: string) => {
    try {
      return JSON.parse(text || '{}') as Record<string, unknown>;
    } catch (error) {
      throw new Error(`${what} is not JSON: ${(error as Error).message}`);
    }
  };
  const body = () => ({ name, description, toolType, parametersSchema: parse(schemaText, 'The parameters schema'), config });
  const save = async () => {
    if (stored) await client.tools.update(stored.id, body());
    else await client.tools.create(body());
    navigate('/tools');
  };
  const test = async () =>
    setResult(
      await client.tools.test({
        tool: body(),
        arguments: parse(argsText, 'The arguments'),
        secrets: parse(secretsText, 'The secrets') as Record<string, string>,
      }),
    );
  return (
    <>
      <PageHeader title={stored ? `Tool: ${stored.name}` : 'New tool'}>
        <Link to="/tools">All tools</Link>
        <ActionButton onAction={save} disabled={!name || (toolType === 'mcp' && !stored)}>
          {stored ? 'Save tool' : 'Create tool'}
        </ActionButton>
      </PageHeader>
      <div className="split">
        <div className="field">
          <label htmlFor="tool-name">Name</label>
          <input id="tool-name" className="mono" value={name} onChange={(event) => setName(event.target.value)} placeholder="add_numbers" />
        </div>
        <div className="field">
          <label htmlFor="tool-type">Type</label>
          <select
            id="tool-type"
            value={toolType}
            disabled={stored !== null}
            onChange={(event) => (setToolType(event.target.value as ToolType), setConfig({}))}
          >
            {toolTypes.map((type) => (
              <option key={type}>{type}</option>
            ))}
          </select>
        </div>
      </div>
      <div className="field">
        <label htmlFor="tool-description">
          Description <span className="hint">(what the model reads to decide to call it)</span>
        </label>
        <input id="tool-description" value={description} onChange={(event) => setDescription(event.target.value)} />
      </div>
      {toolType === 'custom' && (
        <>
          <label>Code (JavaScript, run in the sandbox)</label>
          <CodeEditor
            language="javascript"
            label="Tool code"
            value={String(config.code ?? '')}
            onChange={(code) => setConfig((current) => ({ ...current, code }))}
          />
        </>
      )}
      {toolType === 'external' && <ExternalConfig config={config} onChange={setConfig} />}
      {toolType === 'flow' && <FlowConfig config={config} onChange={setConfig} />}
      {toolType === 'subagent' && <AgentConfig config={config} onChange={setConfig} />}
      {toolType === 'mcp' && <McpTools stored={stored} />}
      {toolType !== 'mcp' && (
        <>
          <label>Parameters (JSON Schema)</label>
          <CodeEditor language="json" label="Parameters schema" value={schemaText} onChange={setSchemaText} />
        </>
      )}
      {(toolType === 'custom' || toolType === 'external') && (
        <section className="panel" style={{ marginTop: 14 }} aria-label="Test">
          <h2 style={{ marginTop: 0 }}>Test with arguments</h2>
          <div className="split">
            <div className="field">
              <label htmlFor="tool-args">Arguments (JSON)</label>
              <textarea id="tool-args" rows={4} value={argsText} onChange={(event) => setArgsText(event.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="tool-secrets">
                Secrets for <code>{'{{secrets.NAME}}'}</code> <span className="hint">(used for this test only, never kept)</span>
              </label>
              <textarea id="tool-secrets" rows={4} value={secretsText} onChange={(event) => setSecretsText(event.target.value)} />
            </div>
          </div>
          <ActionButton onAction={test}>Test with arguments</ActionButton>
          {result && (
            <div data-testid="tool-test-result">
              <p>
                {result.ok ? 'Returned' : `Failed: ${result.error?.code} ${result.error?.message}`} in {result.durationMs} ms
              </p>
              {result.ok && <Json value={result.result} />}
              {result.logs.length > 0 && (
                <>
                  <div className="muted">Logs</div>
                  <Json value={result.logs.join('\n')} />
                </>
              )}
            </div>
          )}
        </section>
      )}
    </>
  );
}

type ConfigProps = { config: Record<string, unknown>; onChange: (config: Record<string, unknown>) => void };

/** The request an external tool sends: URL and body templates over the arguments (`{{a}}`) and secrets (`{{secrets.K}}`). */
function ExternalConfig({ config, onChange }: ConfigProps) {
  const headers = Object.entries((config.headers as Record<string, string> | undefined) ?? {});
  const set = (key: string, value: unknown) => onChange({ ...config, [key]: value });
  return (
    <div aria-label="Request">
      <div className="split">
        <div className="field">
          <label htmlFor="ext-url">URL</label>
          <input
            id="ext-url"
            className="mono"
            placeholder="https://api.example.com/items/{{id}}"
            value={String(config.url ?? '')}
            onChange={(event) => set('url', event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="ext-method">Method</label>
          <select id="ext-method" value={String(config.method ?? 'GET')} onChange={(event) => set('method', event.target.value)}>
            {['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((method) => (
              <option key={method}>{method}</option>
            ))}
          </select>
        </div>
      </div>
      <label>Headers</label>
      {headers.map(([key, value], index) => (
        <div className="row" key={index} style={{ marginBottom: 4 }}>
          <input
            aria-label={`Header ${index + 1} name`}
            value={key}
            onChange={(event) =>
              set('headers', Object.fromEntries(headers.map(([k, v], i) => (i === index ? [event.target.value, v] : [k, v]))))
            }
          />
          <input
            aria-label={`Header ${index + 1} value`}
            className="mono"
            placeholder="Bearer {{secrets.API_TOKEN}}"
            value={value}
            onChange={(event) =>
              set('headers', Object.fromEntries(headers.map(([k, v], i) => (i === index ? [k, event.target.value] : [k, v]))))
            }
          />
          <button
            type="button"
            className="secondary"
            aria-label={`Remove header ${key}`}
            onClick={() => set('headers', Object.fromEntries(headers.filter((_, i) => i !== index)))}
          >
            Remove
          </button>
        </div>
      ))}
      <button
        type="button"
        className="secondary"
        onClick={() => set('headers', Object.fromEntries([...headers, [`X-Header-${headers.length + 1}`, '']]))}
      >
        Add header
      </button>
      <p className="muted">
        Reference secrets as <code>{'{{secrets.NAME}}'}</code>: a run takes them from its request's <code>secrets</code>; they are never
        stored with the tool.
      </p>
      <div className="field">
        <label htmlFor="ext-body">Body template (JSON, optional)</label>
        <textarea
          id="ext-body"
          rows={4}
          value={typeof config.body === 'string' ? config.body : config.body ? JSON.stringify(config.body, null, 2) : ''}
          onChange={(event) => set('body', event.target.value || undefined)}
        />
      </div>
    </div>
  );
}

function FlowConfig({ config, onChange }: ConfigProps) {
  const { client } = useSession();
  const flows = useLoad(async () => (await client.flows.list()).data as Array<{ id: string; name: string }>, []);
  return (
    <div className="field">
      <label htmlFor="tool-flow">Flow the tool runs</label>
      <select id="tool-flow" value={String(config.flowId ?? '')} onChange={(event) => onChange({ ...config, flowId: event.target.value })}>
        <option value="">choose a flow…</option>
        {(flows.data ?? []).map((flow) => (
          <option key={flow.id} value={flow.id}>
            {flow.name}
          </option>
        ))}
      </select>
    </div>
  );
}

function AgentConfig({ config, onChange }: ConfigProps) {
  const { client } = useSession();
  const agents = useLoad(async () => (await client.agents.list()).data as Array<{ id: string; name: string }>, []);
  return (
    <div className="field">
      <label htmlFor="tool-agent">Agent the tool asks</label>
      <select
        id="tool-agent"
        value={String(config.agentId ?? '')}
        onChange={(event) => onChange({ ...config, agentId: event.target.value })}
      >
        <option value="">choose an agent…</option>
        {(agents.data ?? []).map((agent) => (
          <option key={agent.id} value={agent.id}>
            {agent.name}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Connects to an MCP server, lists its tools, and saves the chosen ones as tools of this tenant. */
function McpTools({ stored }: { stored: Tool | null }) {
  const { client } = useSession();
  const server = (stored?.config.server as { id?: string; url?: string } | undefined) ?? {};
  const [serverId, setServerId] = useState(server.id ?? 'my_server');
  const [url, setUrl] = useState(server.url ?? '');
  const [token, setToken] = useState('');
  const [found, setFound] = useState<Array<{ id: string; name: string; description: string; parametersSchema: unknown }> | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const config = () => ({ id: serverId, url, ...(token ? { auth: { type: 'bearer', token } } : {}) });
  const save = async () => {
    for (const tool of found ?? []) {
      if (!chosen.has(tool.name)) continue;
      await client.tools.create({
        name: `${serverId}_${tool.name}`.slice(0, 128),
        description: tool.description,
        toolType: 'mcp',
        parametersSchema: tool.parametersSchema as Record<string, unknown>,
        config: { server: config(), toolName: tool.name },
      });
    }
    navigate('/tools');
  };
  return (
    <section aria-label="MCP server">
      <div className="split">
        <div className="field">
          <label htmlFor="mcp-id">Server id</label>
          <input id="mcp-id" className="mono" value={serverId} onChange={(event) => setServerId(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="mcp-url">Server URL (streamable HTTP)</label>
          <input
            id="mcp-url"
            className="mono"
            placeholder="https://mcp.example.com/mcp"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
          />
        </div>
      </div>
      <div className="field">
        <label htmlFor="mcp-token">Bearer token (optional)</label>
        <input id="mcp-token" type="password" autoComplete="off" value={token} onChange={(event) => setToken(event.target.value)} />
      </div>
      <ActionButton onAction={async () => setFound((await client.tools.discoverMcp(config())).data)} disabled={!url}>
        Connect and discover tools
      </ActionButton>
      {found &&
        (found.length === 0 ? (
          <p className="muted">The server lists no tools.</p>
        ) : (
          <>
            <ul>
              {found.map((tool) => (
                <li key={tool.id}>
                  <label className="row" style={{ fontWeight: 400 }}>
                    <input
                      type="checkbox"
                      checked={chosen.has(tool.name)}
                      onChange={(event) => {
                        const next = new Set(chosen);
                        if (event.target.checked) next.add(tool.name);
                        else next.delete(tool.name);
                        setChosen(next);
                      }}
                    />
                    <code>{tool.name}</code> {tool.description}
                  </label>
                </li>
              ))}
            </ul>
            <ActionButton onAction={save} disabled={chosen.size === 0}>
              Save {chosen.size} tool(s)
            </ActionButton>
          </>
        ))}
    </section>
  );
}
