import {
  DeletedSecret,
  describedBody,
  describedResponses,
  routeParams,
  SecretAnswer,
  SecretBody,
  SecretCheck,
  SecretCheckBody,
  SecretList,
  SecretUpdateBody,
  type ZodApp,
} from '../contract.js';
import { FlowrunError } from '../../protocol/errors.js';
import type { ManagedSecret } from '../../store/secrets-repository.js';
import type { AppDeps } from '../app-deps.js';
import { parseInput } from '../parse-input.js';

/** What an answer says of a secret: its metadata, never its value (Runtype's `phantomToken` is always null). */
const shown = (secret: ManagedSecret) => ({ ...secret, phantomToken: null });

/** The last four characters, masked: enough to tell two values apart, too little to guess one (values are 8+). */
const previewOf = (value: string) => `••••${value.slice(-4)}`;

const notFound = () => new FlowrunError('NOT_FOUND', 'Secret not found');

/**
 * `/v1/secrets`: the tenant's managed secrets (per mode), referenced in flows and tools as `{{secret:KEY}}`. A
 * value is sealed with FLOWRUN_SECRET_KEY as it arrives and is never answered, logged or streamed.
 */
export function registerSecretRoutes(app: ZodApp, deps: AppDeps): void {
  const now = () => new Date(deps.clock.now()).toISOString();
  const seal = (value: string) => {
    if (!deps.vault?.enabled)
      throw new FlowrunError(
        'SECRET_KEY_NOT_CONFIGURED',
        'Managed secrets need FLOWRUN_SECRET_KEY: set it to 32 random bytes as 64 hex characters or base64 (e.g. `openssl rand -hex 32`) and restart the server',
      );
    return { sealed: deps.vault.seal({ value })!, preview: previewOf(value) };
  };

  app.get('/v1/secrets', { schema: { response: { 200: SecretList } } }, async (request) => {
    const secrets = await deps.store.listSecrets(request.scope);
    return { data: secrets.map(shown), total: secrets.length };
  });

  app.post(
    '/v1/secrets',
    { schema: { body: describedBody(SecretBody), response: describedResponses({ 201: SecretAnswer }) } },
    async (request, reply) => {
      const body = parseInput(SecretBody, request.body);
      // Refused without a key even when pending: a secret that can never be given a value is no use.
      const value = seal(body.value ?? 'placeholder');
      const created = await deps.store.insertSecret(request.scope, {
        id: deps.ids.next('secret'),
        key: body.key,
        description: body.description ?? null,
        valueSealed: body.value === undefined ? null : value.sealed,
        valuePreview: body.value === undefined ? null : value.preview,
        now: now(),
      });
      if (!created) throw new FlowrunError('CONFLICT', `A secret with key '${body.key}' exists already`);
      return reply.status(201).send({ data: shown(created) });
    },
  );

  app.post(
    '/v1/secrets/check',
    { schema: { body: describedBody(SecretCheckBody), response: describedResponses({ 200: SecretCheck }) } },
    async (request) => {
      const keys = [...new Set(parseInput(SecretCheckBody, request.body).keys)];
      const known = new Map((await deps.store.findSealedSecrets(request.scope, keys)).map((secret) => [secret.key, secret.status]));
      return {
        found: keys.filter((key) => known.get(key) === 'active'),
        missing: keys.filter((key) => !known.has(key) || known.get(key) === 'pending'),
        revoked: keys.filter((key) => known.get(key) === 'revoked'),
      };
    },
  );

  app.get(
    '/v1/secrets/:id',
    { schema: { params: routeParams('id'), response: describedResponses({ 200: SecretAnswer }) } },
    async (request) => {
      const secret = await deps.store.getSecret(request.scope, request.params.id);
      if (!secret) throw notFound();
      return { data: shown(secret) };
    },
  );

  const update = async (request: { scope: Parameters<AppDeps['store']['getSecret']>[0]; params: { id: string }; body: unknown }) => {
    const body = parseInput(SecretUpdateBody, request.body ?? {});
    const result = await deps.store.updateSecret(request.scope, request.params.id, {
      description: body.description,
      value: body.value === undefined ? undefined : seal(body.value),
      status: body.status,
      expectedVersion: body.expectedVersion,
      now: now(),
    });
    if (result === null) throw notFound();
    if (result === 'version_mismatch')
      throw new FlowrunError('CONFLICT', 'The secret changed since: read it again and send its current version as expectedVersion');
    return { data: shown(result) };
  };
  const updateSchema = {
    params: routeParams('id'),
    body: describedBody(SecretUpdateBody),
    response: describedResponses({ 200: SecretAnswer }),
  };
  app.put('/v1/secrets/:id', { schema: updateSchema }, update);
  app.patch('/v1/secrets/:id', { schema: updateSchema }, update);

  app.delete(
    '/v1/secrets/:id',
    { schema: { params: routeParams('id'), response: describedResponses({ 200: DeletedSecret }) } },
    async (request) => {
      const secret = await deps.store.getSecret(request.scope, request.params.id);
      if (!secret || !(await deps.store.deleteSecret(request.scope, secret.id))) throw notFound();
      return { success: true, deletedId: secret.id, referenceCount: 0 };
    },
  );
}
