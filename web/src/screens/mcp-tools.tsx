import { useState } from 'react';
import { useSession } from '../use-session';
import { navigate } from '../router';
import { ActionButton } from '../ui';
import type { Tool } from '@flowrun/client';

/** Connects to an MCP server, lists its tools, and saves the chosen ones as tools of this tenant. */
export function McpTools({ stored }: { stored: Tool | null }) {
  const { client } = useSession();
  const server = (stored?.config.server as { id?: string; url?: string } | undefined) ?? {};
  const [serverId, setServerId] = useState(server.id ?? 'my_server');
  const [url, setUrl] = useState(server.url ?? '');
  const [token, setToken] = useState('');
  const [found, setFound] = useState<Array<{ id: string; name: string; description: string; parametersSchema: unknown }> | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const config = () => ({ id: serverId, url, ...(token ? { auth: { type: 'bearer' as const, token } } : {}) });
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
