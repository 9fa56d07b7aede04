export { createFlowrunClient, type FlowrunClient, type FlowrunClientOptions, type StreamOptions } from './client.js';
export { FlowrunApiError, type ErrorDetail } from './errors.js';
export { shownStatus } from './run-status.js';
export type { Dialect, EventOf, RunStream } from './run-stream.js';
export type { CarriedWarning, RuntypeEvent, TravrseEvent, UnifiedEvent } from './frames.js';
export type * from './types.js';
