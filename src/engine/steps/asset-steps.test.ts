import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AssetView, PdfSource } from '../../protocol/asset.js';
import type { AssetPort, AssetWrite } from '../asset-port.js';
import { runFlow } from '../run-flow.js';
import { testEngine, testRequest } from '../testing.js';

const signal = () => new AbortController().signal;

/** An asset port that keeps what it is given; its "PDF" is the source text it was asked to lay out. */
function memoryAssets(): AssetPort & { saved: AssetWrite[]; rendered: PdfSource[] } {
  const saved: AssetWrite[] = [];
  const rendered: PdfSource[] = [];
  return {
    saved,
    rendered,
    maxBytes: 1000,
    async save(_scope, asset): Promise<AssetView> {
      saved.push(asset);
      const id = `asset_${saved.length}`;
      return {
        id,
        fileName: asset.fileName,
        contentType: asset.contentType,
        size: asset.bytes.length,
        visibility: asset.visibility,
        url: `/v1/assets/${id}`,
        urlExpiresAt: null,
        executionId: asset.executionId,
        createdAt: 'now',
      };
    },
    download: async () => ({ bytes: new TextEncoder().encode('downloaded'), contentType: null }),
    async renderPdf(source) {
      rendered.push(source);
      return { bytes: new TextEncoder().encode(source.text), pages: 1 };
    },
  };
}

const secrets = { 'secret:API_TOKEN': 'tok-very-secret-123' };

test('what a PDF or a stored file is made from has the run’s secrets replaced: a stored file is an output', async () => {
  const assets = memoryAssets();
  const outcome = await runFlow(
    testEngine({ assets }),
    testRequest(
      [
        { id: 'pdf', name: 'pdf', type: 'generate-pdf', config: { markdown: '# Key {{secret:API_TOKEN}}', outputVariable: 'pdf' } },
        { id: 'txt', name: 'txt', type: 'store-asset', config: { sourceVariable: 'note', outputVariable: 'txt' } },
      ],
      { secrets, inputs: { note: 'token is tok-very-secret-123' } },
    ),
    signal(),
  );
  assert.equal(outcome.status, 'completed', JSON.stringify(outcome.error));
  assert.deepEqual(assets.rendered, [{ kind: 'markdown', text: '# Key [REDACTED]' }]);
  assert.equal(new TextDecoder().decode(assets.saved[1]!.bytes), 'token is [REDACTED]');
  assert.deepEqual(
    [assets.saved[0]!.fileName, assets.saved[0]!.contentType, assets.saved[1]!.fileName, assets.saved[1]!.contentType],
    ['document.pdf', 'application/pdf', 'note.txt', 'text/plain; charset=utf-8'],
  );
  assert.deepEqual(outcome.output.pdf, {
    id: 'asset_1',
    url: '/v1/assets/asset_1',
    fileName: 'document.pdf',
    contentType: 'application/pdf',
    size: 16,
    visibility: 'private',
    expiresAt: null,
    pages: 1,
  });
});

test('an unknown {{secret:KEY}} fails the step with SECRET_NOT_FOUND naming the key, before anything is rendered', async () => {
  const assets = memoryAssets();
  const outcome = await runFlow(
    testEngine({ assets }),
    testRequest([{ id: 'pdf', name: 'pdf', type: 'generate-pdf', config: { html: '<p>{{secret:MISSING}}</p>' } }]),
    signal(),
  );
  assert.equal(outcome.error?.code, 'SECRET_NOT_FOUND');
  assert.match(outcome.error!.message, /MISSING/);
  assert.equal(assets.rendered.length, 0);
});

test('a template with outputFormat pdf lays out its text as HTML when it starts with a tag, else as markdown', async () => {
  const assets = memoryAssets();
  const outcome = await runFlow(
    testEngine({ assets }),
    testRequest(
      [
        { id: 'a', name: 'a', type: 'template', config: { template: '<h1>{{ title }}</h1>', outputFormat: 'pdf', filename: 'x' } },
        { id: 'b', name: 'b', type: 'template', config: { template: '# {{ title }}', outputFormat: 'pdf', visibility: 'public' } },
      ],
      { inputs: { title: 'Hi' } },
    ),
    signal(),
  );
  assert.equal(outcome.status, 'completed', JSON.stringify(outcome.error));
  assert.deepEqual(assets.rendered, [
    { kind: 'html', text: '<h1>Hi</h1>' },
    { kind: 'markdown', text: '# Hi' },
  ]);
  assert.deepEqual(
    assets.saved.map((asset) => [asset.fileName, asset.visibility]),
    [
      ['x.pdf', 'private'],
      ['template.pdf', 'public'],
    ],
  );
});

test('store-asset decodes data: URLs and guesses the type from the bytes; a server without asset storage fails the step saying so', async () => {
  const assets = memoryAssets();
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64');
  const outcome = await runFlow(
    testEngine({ assets }),
    testRequest([
      {
        id: 'a',
        name: 'a',
        type: 'store-asset',
        config: { content: `data:text/csv;base64,${Buffer.from('a,b').toString('base64')}`, fileName: 'x.csv' },
      },
      { id: 'b', name: 'b', type: 'store-asset', config: { content: png } },
      { id: 'c', name: 'c', type: 'store-asset', config: { url: 'https://files.example.com/dir/report%201.txt' } },
    ]),
    signal(),
  );
  assert.equal(outcome.status, 'completed', JSON.stringify(outcome.error));
  assert.deepEqual(
    assets.saved.map((asset) => [asset.fileName, asset.contentType]),
    [
      ['x.csv', 'text/csv'],
      ['asset', 'image/png'],
      ['report 1.txt', 'text/plain; charset=utf-8'],
    ],
  );
  const without = await runFlow(
    testEngine(),
    testRequest([{ id: 'a', name: 'a', type: 'store-asset', config: { content: png } }]),
    signal(),
  );
  assert.equal(without.error?.code, 'ASSET_STORAGE_ERROR');
});

test('a file name or content type that a {{variable}} turns into a header or a path is refused with ASSET_INVALID naming the field', async () => {
  for (const [config, field] of [
    [{ content: 'AAAA', filename: '{{name}}' }, 'filename'],
    [{ content: 'AAAA', contentType: 'text/{{kind}}' }, 'contentType'],
  ] as const) {
    const outcome = await runFlow(
      testEngine({ assets: memoryAssets() }),
      testRequest([{ id: 's', name: 's', type: 'store-asset', config }], { inputs: { name: '../etc/passwd', kind: 'plain\r\nx-evil: 1' } }),
      signal(),
    );
    assert.equal(outcome.error?.code, 'ASSET_INVALID', field);
    assert.match(outcome.error!.message, new RegExp(field));
  }
});
