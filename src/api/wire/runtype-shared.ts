import type { EventHandlers } from './dialect.js';
import { stampedFramer } from './frame.js';
import type { RuntypeFrameFields, UnifiedFrameFields } from './frame-types.js';

/** The frames both dialects have, each with the fields both give it: what one handler may write for the two. */
type FieldsOfBoth<A, B> = { [Name in keyof A & keyof B]: Pick<A[Name], keyof A[Name] & keyof B[Name]> };

/** The frames Runtype's legacy and unified vocabularies share, typed by both (`wire/frame-types.ts`). */
export type SharedFrameFields = FieldsOfBoth<RuntypeFrameFields, UnifiedFrameFields>;

const frame = stampedFramer<SharedFrameFields>();

type SharedEvent =
  | 'warning'
  | 'source'
  | 'artifact_start'
  | 'artifact_delta'
  | 'artifact_update'
  | 'artifact_complete'
  | 'fallback_start'
  | 'fallback_complete'
  | 'fallback_exhausted';

/**
 * The handlers Runtype's legacy (`runtype.ts`) and unified (`unified.ts`) encoders both use: warnings, sources,
 * artifacts and fallbacks go out the same in either vocabulary, so each is written once (a warning rides on the next frame: `carry-warnings.ts`). A field only one of the
 * two dialects has does not compile here.
 */
export const sharedRuntypeHandlers: Pick<EventHandlers<keyof SharedFrameFields & string>, SharedEvent> = {
  // No frame of its own (Runtype has none): `carryWarnings` puts it on the stream's next frame as `warnings`.
  warning: () => null,
  source: (event) =>
    frame(event, 'source', {
      sourceType: 'url',
      id: `${event.toolCallId}:${event.url}`,
      url: event.url,
      title: event.title,
      ...(event.snippet ? { snippet: event.snippet } : {}),
      toolCallId: event.toolCallId,
      stepId: event.stepId,
    }),
  artifact_start: (event) =>
    frame(event, 'artifact_start', {
      id: event.artifactId,
      artifactType: event.artifactType,
      title: event.title,
      ...(event.component ? { component: event.component } : {}),
      toolCallId: event.toolCallId,
    }),
  artifact_delta: (event) => frame(event, 'artifact_delta', { id: event.artifactId, delta: event.delta }),
  artifact_update: (event) => frame(event, 'artifact_update', { id: event.artifactId, component: event.component, props: event.props }),
  artifact_complete: (event) => frame(event, 'artifact_complete', { id: event.artifactId }),
  fallback_start: (event) =>
    frame(event, 'fallback_start', {
      stepId: event.stepId,
      fallbackIndex: event.fallbackIndex,
      fallbackType: event.fallbackType,
      ...(event.model ? { model: event.model } : {}),
      reason: event.reason,
      startedAt: event.at,
    }),
  fallback_complete: (event) =>
    frame(event, 'fallback_complete', {
      stepId: event.stepId,
      fallbackIndex: event.fallbackIndex,
      fallbackType: event.fallbackType,
      ...(event.model ? { model: event.model } : {}),
      completedAt: event.at,
    }),
  fallback_exhausted: (event) =>
    frame(event, 'fallback_exhausted', {
      stepId: event.stepId,
      attempts: event.attempts,
      error: event.error.message,
      code: event.error.code,
      failedAt: event.at,
    }),
};
