import { useState } from 'react';
import type { Tool, ToolRequest, ToolTestResult, ToolTypeInfo } from '@flowrun/client';
import { useSession } from '../use-session';
import { CodeEditor } from '../code-editor';
import { useLoad } from '../hooks';
import { Link, navigate } from '../router';
import { ActionButton, Async, Json, PageHeader } from '../ui';
import { McpTools } from './mcp-tools';
import { AgentConfig, ExternalConfig, FlowConfig } from './tool-configs';

const starterCode = `// parameters: the call's arguments. Return the result (JSON).
return { sum: parameters.a + parameters.b };`;
const starterSchema = { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] };

function parseJson(text: string, what: string): Record<string, unknown> {
  try {
    return JSON.parse(text || '{}') as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${what} is not JSON: ${(error as Error).message}`);
  }
}

export function ToolEditorScreen({ toolId }: { toolId: string | null }) {
  const { client } = useSession();
  const tool = useLoad(async () => (toolId ? await client.tools.get(toolId) : null), [toolId]);
  // The kinds of tool the server runs (GET /v1/tool-types): the editor offers those it says are editable.
  const toolTypes = useLoad(async () => (await client.toolTypes.list()).data, []);
  return (
    <Async state={tool} what="the tool">
      {(loaded) => (
        <Async state={toolTypes} what="tool types">
          {(types) => <ToolEditor key={loaded?.id ?? 'new'} stored={loaded} types={types} />}
        </Async>
      )}
    </Async>
  );
}

/** The tool as the editor holds it, as a request: the server checks it (a 422 naming the field), not the types. */
function toolRequest(fields: Record<string, unknown>): ToolRequest {
  return fields as ToolRequest;
}

function ToolEditor({ stored, types }: { stored: Tool | null; types: ToolTypeInfo[] }) {
  const { client } = useSession();
  const [name, setName] = useState(stored?.name ?? '');
  const [description, setDescription] = useState(stored?.description ?? '');
  const [toolType, setToolType] = useState(stored?.toolType ?? 'custom');
  const testable = types.some((type) => type.type === toolType && type.testable);
  const [config, setConfig] = useState<Record<string, unknown>>(stored?.config ?? { code: starterCode });
  const [schemaText, setSchemaText] = useState(JSON.stringify(stored?.parametersSchema ?? starterSchema, null, 2));
  const body = () => toolRequest({ name, description, toolType, parametersSchema: parseJson(schemaText, 'The parameters schema'), config });
  const save = async () => {
    if (stored) await client.tools.update(stored.id, body());
    else await client.tools.create(body());
    navigate('/tools');
  };
  return (
    <>
      <PageHeader title={stored ? `Tool: ${stored.name}` : 'New tool'}>
        <Link to="/tools">All tools</Link>
        {/* MCP tools are saved from the server's list below. */}
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
            onChange={(event) => {
              const chosen = types.find((type) => type.type === event.target.value);
              if (!chosen) return;
              setToolType(chosen.type);
              setConfig({});
            }}
          >
            {types
              .filter((type) => type.editable)
              .map(({ type }) => (
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
      {testable && <TestPanel tool={body} />}
    </>
  );
}

/** Runs the tool as it is in the editor (saved or not) once, with arguments and secrets typed here. */
function TestPanel({ tool }: { tool: () => ToolRequest }) {
  const { client } = useSession();
  const [argsText, setArgsText] = useState('{\n  "a": 2,\n  "b": 3\n}');
  const [secretsText, setSecretsText] = useState('{}');
  const [result, setResult] = useState<ToolTestResult | null>(null);
  const test = async () =>
    setResult(
      await client.tools.test({
        tool: tool(),
        arguments: parseJson(argsText, 'The arguments'),
        secrets: parseJson(secretsText, 'The secrets') as Record<string, string>,
      }),
    );
  return (
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
  );
}
