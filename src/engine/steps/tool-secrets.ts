import { managedSecretReferences } from '../../protocol/secrets.js';
import type { McpServerConfig, ResolvedTool } from '../ports.js';
import { managedSecretValue, renderValue } from '../template.js';

/**
 * MCP servers with their credentials (`auth`) rendered over the run's secrets: `{{secret:KEY}}` (a managed
 * secret; one the run has not throws SECRET_NOT_FOUND) and `{{secrets.k}}` (dispatch-scoped).
 */
export function withCredentials(servers: McpServerConfig[], secrets: Record<string, string>): McpServerConfig[] {
  return servers.map((server) =>
    server.auth ? { ...server, auth: renderValue(server.auth, { secrets }, []) as McpServerConfig['auth'] } : server,
  );
}

/**
 * Fails the step (SECRET_NOT_FOUND, naming the key) before any model is called when one of its tools' configs
 * names a managed secret the run has not: a tool call would otherwise send an empty credential or fail later,
 * as a result the model reads instead of the step's error.
 */
export function requireToolSecrets(tools: ResolvedTool[], secrets: Record<string, string>): void {
  for (const tool of tools) for (const key of managedSecretReferences(JSON.stringify(tool.config ?? {}))) managedSecretValue(secrets, key);
}
