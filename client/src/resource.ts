import { sendJson, type HttpOptions } from './http.js';
import type { Page } from './types.js';

type Query = Record<string, string | number | boolean | undefined>;

/**
 * The five calls of a stored resource under `path` (`v1/tools`, `v1/agents`, …): list, get, create, update, delete.
 * `T` is what one item's routes answer, `List` what the list answers (a flow's list holds summaries), `Body` what
 * `create` sends; `update` sends any of its fields, merged into the stored item and checked whole.
 */
export interface Resource<T, List, Body> {
  list(query?: Query): Promise<List>;
  get(id: string): Promise<T>;
  create(body: Body): Promise<T>;
  update(id: string, patch: Partial<Body>): Promise<T>;
  delete(id: string): Promise<unknown>;
}

export function resource<T, List = Page<T>, Body = Record<string, unknown>>(http: HttpOptions, path: string): Resource<T, List, Body> {
  const one = (id: string) => `${path}/${encodeURIComponent(id)}`;
  return {
    list: (query) => sendJson<List>(http, path, query ? { query } : {}),
    get: (id) => sendJson<T>(http, one(id)),
    create: (body) => sendJson<T>(http, path, { body }),
    update: (id, patch) => sendJson<T>(http, one(id), { method: 'PATCH', body: patch }),
    delete: (id) => sendJson<unknown>(http, one(id), { method: 'DELETE' }),
  };
}
