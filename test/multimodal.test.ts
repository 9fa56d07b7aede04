import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './support/harness.js';
import { onePixelPng } from './support/fake-provider.js';

/** Images and files in messages reach the model as the provider's own content parts; text-only models refuse them up front. */
let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());
beforeEach(() => harness.fake.reset());

type Part = Record<string, any>;
const userParts = (index = 0): Part[] => {
  const messages = harness.fake.requests[index]!.body.messages as Array<{ role: string; content: unknown }>;
  return messages.find((message) => message.role === 'user')!.content as Part[];
};

test("Runtype's own image-URL example reaches Anthropic as an image part, with its text", async () => {
  harness.fake.script(() => ({ text: '{"title":"Watch"}' }));
  const response = await harness.dispatch({
    flow: {
      name: 'Product Image Analyzer',
      steps: [
        {
          config: {
            model: 'claude-sonnet-4-20250514',
            outputVariable: 'productDescription',
            responseFormat: 'json',
            systemPrompt: 'You are a product copywriter.',
          },
          enabled: true,
          name: 'Generate Product Description',
          order: 0,
          type: 'prompt',
        },
      ],
    },
    messages: [
      {
        content: [
          { image: 'https://images.unsplash.com/photo-1523275335684-37898b6baf30?w=800', type: 'image' },
          { text: 'Generate a product description for this item.', type: 'text' },
        ],
        role: 'user',
      },
    ],
    options: { flowMode: 'virtual', recordMode: 'virtual', streamResponse: false },
  });
  assert.equal(response.status, 200, await response.clone().text());
  const parts = userParts();
  assert.equal(harness.fake.requests[0]!.protocol, 'anthropic');
  assert.deepEqual(parts[0], {
    type: 'image',
    source: { type: 'url', url: 'https://images.unsplash.com/photo-1523275335684-37898b6baf30?w=800' },
  });
  assert.equal(parts[1]!.text, 'Generate a product description for this item.');
});

test('a data-URL image reaches OpenAI as image_url; a PDF reaches Anthropic as a document', async () => {
  harness.fake.script(() => ({ text: 'seen' }));
  const dataUrl = `data:image/png;base64,${onePixelPng}`;
  const agent = await harness.dispatch({
    agent: { name: 'Looker', model: 'gpt-4o' },
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this?' },
          { type: 'image', image: dataUrl },
        ],
      },
    ],
    options: { streamResponse: false },
  });
  assert.equal(agent.status, 200, await agent.clone().text());
  assert.deepEqual(userParts()[1], { type: 'image_url', image_url: { url: dataUrl } });

  harness.fake.reset();
  harness.fake.script(() => ({ text: 'read' }));
  const pdf = Buffer.from('%PDF-1.4 tiny').toString('base64');
  const file = await harness.dispatch({
    agent: { name: 'Reader', model: 'claude-sonnet-4-5' },
    messages: [
      {
        role: 'user',
        content: [
          { type: 'file', data: pdf, mimeType: 'application/pdf', filename: 'terms.pdf' },
          { type: 'text', text: 'summarise' },
        ],
      },
    ],
    options: { streamResponse: false },
  });
  assert.equal(file.status, 200, await file.clone().text());
  const document = userParts()[0]!;
  assert.equal(document.type, 'document');
  assert.deepEqual(document.source, { type: 'base64', media_type: 'application/pdf', data: pdf });
});

test('a text-only model is refused with a 422 naming it and the part; malformed parts name their field', async () => {
  const refused = await harness.dispatch({
    agent: { name: 'Old', model: 'gpt-3.5-turbo' },
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image', image: 'https://example.com/a.png' },
        ],
      },
    ],
  });
  assert.equal(refused.status, 422);
  const body = (await refused.json()) as { error: string; details: Array<{ path: string; message: string }> };
  assert.match(body.error, /gpt-3\.5-turbo/);
  assert.deepEqual(
    body.details.map((detail) => detail.path),
    ['messages[0].content[1]'],
  );
  assert.equal(harness.fake.requests.length, 0);

  const malformed = await harness.dispatch({
    agent: { name: 'A', model: 'gpt-4o' },
    messages: [{ role: 'user', content: [{ type: 'image' }] }],
  });
  assert.equal(malformed.status, 422);
  assert.equal(((await malformed.json()) as { details: Array<{ path: string }> }).details[0]!.path, 'messages[0].content[0].image');
});
