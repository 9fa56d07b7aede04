import type { ErrorDetail } from '../../protocol/errors.js';
import type { PathSegment } from '../../protocol/zod-details.js';
import type { ModelGateway } from '../ports.js';

/** What a step type's checks beyond its schema may read, and where they report problems. */
export interface StepCheckContext {
  label: string;
  configPath: PathSegment[];
  details: ErrorDetail[];
  models: Pick<ModelGateway, 'resolve'>;
  modelOverride?: string;
  /** The request carries a conversation: a prompt step without a prompt of its own reads it. */
  conversation?: boolean;
}
