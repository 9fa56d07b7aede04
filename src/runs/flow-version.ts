import { FlowrunError } from '../protocol/errors.js';
import type { TenantScope } from '../protocol/tenant.js';
import type { Database } from '../store/database.js';
import { getActiveVersionId, getFlow, type StoredFlow } from '../store/flows-repository.js';

/** Where a request names the flow, its version and its environment (for the paths of its errors). */
export interface VersionPaths {
  flow: string;
  version: string;
  environment: string;
}

/**
 * The version of a stored flow a run executes: the one asked for; else the one active in `environment`; without
 * an explicit environment, production's if one is active, else the flow's current version. An unknown flow or
 * version, or an explicit environment with nothing active, is a 404 naming the field.
 */
export async function resolveFlowVersion(
  db: Database,
  scope: TenantScope,
  flowIdOrSlug: string,
  wanted: { versionId?: string; environment?: string },
  paths: VersionPaths,
): Promise<StoredFlow> {
  const flow = await getFlow(db, scope, flowIdOrSlug);
  if (!flow) throw notFound(`Flow ${flowIdOrSlug} not found`, paths.flow);
  if (wanted.versionId) {
    const version = await getFlow(db, scope, flow.id, wanted.versionId);
    if (!version) throw notFound(`Flow ${flowIdOrSlug} has no version ${wanted.versionId}`, paths.version);
    return version;
  }
  const active = await getActiveVersionId(db, flow.id, wanted.environment ?? 'production');
  if (active) return (await getFlow(db, scope, flow.id, active)) ?? flow;
  if (wanted.environment)
    throw notFound(`Flow ${flowIdOrSlug} has no version active in environment '${wanted.environment}'`, paths.environment);
  return flow;
}

function notFound(message: string, path: string): FlowrunError {
  return new FlowrunError('NOT_FOUND', message, [{ code: 'NOT_FOUND', path, message }]);
}
