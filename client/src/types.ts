// The shapes of Flowrun's requests and answers. They are generated from the server's schemas (./api-types.ts, by
// `npm run generate:api-types`), so they say what the server validates and answers; what is here adds only what a
// schema cannot say.
import type { ExecutionTreeNode, Pagination } from './api-types.js';

export type * from './api-types.js';

/** A list answer: its items, and where the list is paged, where this page is. */
export interface Page<T> {
  data: T[];
  pagination?: Pagination;
}

/**
 * A run's tree (`GET /v1/executions/{id}/tree`) with its children typed: the schema says in words that each child is
 * a node of the same shape (a recursive schema would not survive /openapi.json). The key remapping keeps the named
 * fields of a node, which `Omit` would lose to its index signature.
 */
export type ExecutionTree = { [Key in keyof ExecutionTreeNode as Key extends 'children' ? never : Key]: ExecutionTreeNode[Key] } & {
  children: ExecutionTree[];
};
