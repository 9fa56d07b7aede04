import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APICallError } from '@ai-sdk/provider';
import { errorCatalogue } from '../protocol/errors.js';
import { toFlowrunError } from './provider-errors.js';

const route = { kind: 'openai' as const, provider: 'openai', modelId: 'this-model-does-not-exist' };
const settings = { compatible: {} } as never;
const answered = (statusCode: number, message: string) =>
  new APICallError({
    message: 'Not Found',
    url: 'http://127.0.0.1/v1/chat/completions',
    requestBodyValues: {},
    statusCode,
    responseBody: JSON.stringify({ error: { message, code: 'model_not_found' } }),
  });

test("a provider's 404 for a model is UNKNOWN_MODEL, which a retry cannot fix, with the provider's message", () => {
  const error = toFlowrunError(answered(404, 'The model `this-model-does-not-exist` does not exist'), route, settings);
  assert.equal(error.code, 'UNKNOWN_MODEL');
  assert.equal(errorCatalogue.UNKNOWN_MODEL.retryable, false);
  assert.match(error.message, /^openai returned 404 for this-model-does-not-exist: The model `this-model-does-not-exist` does not exist/);
});

test("a provider's other answers stay PROVIDER_ERROR", () => {
  assert.equal(toFlowrunError(answered(500, 'upstream exploded'), route, settings).code, 'PROVIDER_ERROR');
  assert.equal(toFlowrunError(answered(400, 'bad temperature'), route, settings).code, 'PROVIDER_ERROR');
});
