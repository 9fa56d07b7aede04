import { useSession } from '../use-session';
import { useLoad } from '../hooks';
import { Link } from '../router';
import { Async, ConfirmAction, Empty, PageHeader } from '../ui';
import { TableWrap } from '../table-wrap';

export function ToolsScreen() {
  const { client } = useSession();
  const tools = useLoad(async () => (await client.tools.list()).data, []);
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
            <TableWrap label="Tools">
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
                        <ConfirmAction
                          label={`Delete ${tool.name}`}
                          question={`Delete the tool “${tool.name}”?`}
                          onConfirmed={async () => (await client.tools.delete(tool.id), tools.reload())}
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
