import { PickOne, useAgentList, useFlowList } from '../choices';

export type ConfigProps = { config: Record<string, unknown>; onChange: (config: Record<string, unknown>) => void };

/** The request an external tool sends: URL and body templates over the arguments (`{{a}}`) and secrets (`{{secrets.K}}`). */
export function ExternalConfig({ config, onChange }: ConfigProps) {
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

export function FlowConfig({ config, onChange }: ConfigProps) {
  const flows = useFlowList();
  const pick = (flowId: string) => onChange({ ...config, flowId });
  return (
    <PickOne
      id="tool-flow"
      label="Flow the tool runs"
      value={String(config.flowId ?? '')}
      items={flows}
      onChange={pick}
      empty="choose a flow…"
    />
  );
}

export function AgentConfig({ config, onChange }: ConfigProps) {
  const agents = useAgentList();
  const pick = (agentId: string) => onChange({ ...config, agentId });
  return (
    <PickOne
      id="tool-agent"
      label="Agent the tool asks"
      value={String(config.agentId ?? '')}
      items={agents}
      onChange={pick}
      empty="choose an agent…"
    />
  );
}
