import type { Agent } from '@flowrun/client';
import { useSession } from '../use-session';
import { useLoad } from '../hooks';
import { Link } from '../router';
import { Async, ConfirmAction, Empty, PageHeader } from '../ui';
import { TableWrap } from '../table-wrap';

export function AgentsScreen() {
  const { client } = useSession();
  const agents = useLoad(async () => (await client.agents.list()).data, []);
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
            <TableWrap label="Agents">
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
                        <ConfirmAction
                          label={`Delete ${agent.name}`}
                          question={`Delete the agent “${agent.name}”?`}
                          onConfirmed={async () => (await client.agents.delete(agent.id), agents.reload())}
                        >
                          Delete
                        </ConfirmAction>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )
        }
      </Async>
    </>
  );
}

/** An agent's model settings: under `config` (saved agents) or at the top level, as Runtype allows both. */
export function settingsOf(agent: Agent | null): Record<string, unknown> {
  const definition = (agent?.definition ?? agent ?? {}) as Record<string, unknown>;
  return { ...definition, ...((definition.config as Record<string, unknown> | undefined) ?? {}) };
}
