import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extractText, getDocumentProxy } from 'unpdf';
import { startHarness, type Harness } from './support/harness.js';

// A 2×1 PNG (red, blue), and a server on 127.0.0.1 that serves it, a text file and something that is not an image.
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAAD0lEQVR4nGP4z8DAwMAAAAX4AQBM+G0JAAAAAElFTkSuQmCC', 'base64');
const pngDataUrl = `data:image/png;base64,${png.toString('base64')}`;

let harness: Harness;
let files: Server;
let filesUrl: string;
before(async () => {
  files = createServer((request, response) => {
    if (request.url === '/logo.png') response.writeHead(200, { 'content-type': 'image/png' }).end(png);
    else if (request.url === '/notes.txt') response.writeHead(200, { 'content-type': 'text/plain' }).end('downloaded notes');
    else if (request.url === '/page.html') response.writeHead(200, { 'content-type': 'text/html' }).end('<p>not an image</p>');
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  harness = await startHarness({
    FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1',
    FLOWRUN_ASSET_MAX_BYTES: '300000',
    FLOWRUN_SECRET_KEY: 'bb'.repeat(32),
  });
});
after(async () => {
  await harness.close();
  await new Promise((resolve) => files.close(resolve));
});

const auth = (key = harness.key) => ({ authorization: `Bearer ${key}` });

async function run(steps: unknown[], inputs: Record<string, unknown> = {}) {
  const response = await harness.dispatch({ flow: { name: 'assets', steps }, inputs, options: { streamResponse: false } });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** The asset's bytes over a real socket (the injected answer is text). */
async function download(
  path: string,
  headers: Record<string, string> = auth(),
): Promise<{ status: number; type: string | null; bytes: Uint8Array }> {
  const response = await fetch(`${harness.baseUrl}${path}`, { headers });
  return { status: response.status, type: response.headers.get('content-type'), bytes: new Uint8Array(await response.arrayBuffer()) };
}

async function pdfText(bytes: Uint8Array): Promise<{ text: string; width: number; height: number; pages: number }> {
  // pdf.js takes the buffer it is given (detaching it): it reads a copy.
  const pdf = await getDocumentProxy(bytes.slice());
  const [, , width, height] = (await pdf.getPage(1)).view as number[];
  const { text } = await extractText(pdf, { mergePages: true });
  return { text, width: width!, height: height!, pages: pdf.numPages };
}

const report = [
  '# Quarterly report for {{customer}}',
  '',
  'Read the [pricing page](https://example.com/pricing) first.',
  '',
  '## Line items',
  '',
  '- Apples from the orchard',
  '- Pears, **ripe**',
  '',
  '| Product | Quantity |',
  '| --- | --- |',
  '| Widget | 42 |',
  '',
  `![logo](${pngDataUrl})`,
].join('\n');

test('generate-pdf: markdown becomes a public PDF asset (headings, list, table, link text) in landscape Letter; its signed URL works without a key', async () => {
  const { body } = await run(
    [
      {
        id: 'pdf',
        name: 'Report',
        type: 'generate-pdf',
        config: {
          markdown: report,
          filename: 'report',
          visibility: 'public',
          pdfOptions: { format: 'letter', landscape: true, margin: '20mm' },
          outputVariable: 'report',
        },
      },
    ],
    { customer: 'Acme' },
  );
  assert.equal(body.status, 'completed', JSON.stringify(body.error));
  const result = body.output.report;
  assert.equal(result.fileName, 'report.pdf');
  assert.equal(result.contentType, 'application/pdf');
  assert.equal(result.visibility, 'public');
  assert.equal(result.pages, 1);
  assert.match(result.url, new RegExp(`^/v1/assets/${result.id}/public\\?exp=\\d+&sig=[\\w-]+$`));

  const owned = await download(`/v1/assets/${result.id}`);
  assert.equal(owned.status, 200);
  assert.equal(owned.type, 'application/pdf');
  assert.equal(owned.bytes.length, result.size);
  const pdf = await pdfText(owned.bytes);
  for (const expected of [
    'Quarterly report for Acme',
    'Line items',
    'Apples from the orchard',
    'Pears, ripe',
    'Product',
    'Widget',
    '42',
    'pricing page',
  ])
    assert.ok(pdf.text.includes(expected), `${expected} in ${JSON.stringify(pdf.text)}`);
  assert.deepEqual([Math.round(pdf.width), Math.round(pdf.height)], [792, 612]);

  const open = await download(result.url, {});
  assert.equal(open.status, 200);
  assert.deepEqual(open.bytes, owned.bytes);
  const forged = await download(
    result.url.replace(/sig=[\w-]/, (match: string) => (match.endsWith('A') ? 'sig=B' : 'sig=A')),
    {},
  );
  assert.equal(forged.status, 404);
  const expired = await download(result.url.replace(/exp=\d+/, 'exp=1000'), {});
  assert.equal(expired.status, 404);
  assert.equal((await download(`/v1/assets/${result.id}`, {})).status, 401);
});

test('generate-pdf from HTML with a fetched PNG, portrait A4 by default; template with outputFormat pdf makes the same', async () => {
  const html = `<html><head><style>h1{color:red}</style><script>alert(1)</script></head><body>
    <h1>Invoice {{number}}</h1><p>Pay <a href="https://example.com/pay">here</a> by Friday.</p>
    <ol><li>Setup fee</li><li>Support</li></ol>
    <table><thead><tr><th>Item</th><th>Price</th></tr></thead><tbody><tr><td>Gadget</td><td>9.99</td></tr></tbody></table>
    <img src="${filesUrl}/logo.png" alt="logo"></body></html>`;
  const { body } = await run(
    [
      { id: 'html', name: 'Invoice', type: 'generate-pdf', config: { html, outputVariable: 'invoice' } },
      {
        id: 'tpl',
        name: 'Letter',
        type: 'template',
        config: {
          template: '# Dear {{ name }}\n\n- {{ items[0] }}\n- {{ items[1] }}',
          outputFormat: 'pdf',
          outputVariable: 'letter',
        },
      },
    ],
    { number: 'INV-7', name: 'Ada', items: ['first point', 'second point'] },
  );
  assert.equal(body.status, 'completed', JSON.stringify(body.error));
  assert.equal(body.output.invoice.visibility, 'private');
  assert.equal(body.output.invoice.url, `/v1/assets/${body.output.invoice.id}`);
  const invoice = await pdfText((await download(body.output.invoice.url)).bytes);
  for (const expected of ['Invoice INV-7', 'here', 'Setup fee', 'Support', 'Item', 'Gadget', '9.99'])
    assert.ok(invoice.text.includes(expected), `${expected} in ${JSON.stringify(invoice.text)}`);
  assert.ok(!invoice.text.includes('alert'), 'scripts are not text');
  assert.deepEqual([Math.round(invoice.width), Math.round(invoice.height)], [595, 842]);

  assert.equal(body.output.letter.fileName, 'template.pdf');
  const letter = await pdfText((await download(body.output.letter.url)).bytes);
  for (const expected of ['Dear Ada', 'first point', 'second point']) assert.ok(letter.text.includes(expected), letter.text);
});

test('store-asset keeps base64 content and downloads; the tenant lists, reads and deletes its assets, another tenant sees none', async () => {
  const { body } = await run(
    [
      {
        id: 'b64',
        name: 'Logo',
        type: 'store-asset',
        config: { content: png.toString('base64'), filename: 'logo.png', outputVariable: 'logo' },
      },
      {
        id: 'url',
        name: 'Notes',
        type: 'store-asset',
        config: { url: `${filesUrl}/notes.txt`, visibility: 'public', outputVariable: 'notes' },
      },
      { id: 'var', name: 'Data', type: 'store-asset', config: { sourceVariable: 'data', outputVariable: 'data' } },
    ],
    { data: { total: 3 } },
  );
  assert.equal(body.status, 'completed', JSON.stringify(body.error));
  const { logo, notes, data } = body.output;
  assert.deepEqual([logo.contentType, logo.size, logo.fileName], ['image/png', png.length, 'logo.png']);
  assert.deepEqual([notes.contentType, notes.fileName, notes.visibility], ['text/plain', 'notes.txt', 'public']);
  assert.equal(data.contentType, 'application/json');

  const stored = await download(`/v1/assets/${logo.id}`);
  assert.equal(stored.type, 'image/png');
  assert.deepEqual(Buffer.from(stored.bytes), png);
  assert.equal(Buffer.from((await download(notes.url, {})).bytes).toString(), 'downloaded notes');

  const list = await (await harness.request('/v1/assets?limit=100', { headers: auth() })).json();
  assert.ok(list.data.some((asset: { id: string }) => asset.id === logo.id));
  const metadata = await (await harness.request(`/v1/assets/${logo.id}/metadata`, { headers: auth() })).json();
  assert.equal(metadata.size, png.length);

  const stranger = await harness.createKey('someone-else');
  assert.equal((await download(`/v1/assets/${logo.id}`, auth(stranger))).status, 404);
  const strangers = await (await harness.request('/v1/assets', { headers: auth(stranger) })).json();
  assert.equal(strangers.pagination.total, 0);
  assert.equal((await harness.request(`/v1/assets/${logo.id}`, { method: 'DELETE', headers: auth(stranger) })).status, 404);

  const deleted = await harness.request(`/v1/assets/${logo.id}`, { method: 'DELETE', headers: auth() });
  assert.equal(deleted.status, 200);
  assert.equal((await download(`/v1/assets/${logo.id}`)).status, 404);
});

test('a managed secret in a PDF is printed as [REDACTED], never its value; an unknown one fails the step naming it', async () => {
  const created = await harness.request('/v1/secrets', {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ key: 'PDF_TOKEN', value: 'pdf-secret-value-42' }),
  });
  assert.equal(created.status, 201);
  const { body } = await run([
    { id: 'p', name: 'P', type: 'generate-pdf', config: { markdown: '# Token\n\nthe key is {{secret:PDF_TOKEN}}', outputVariable: 'pdf' } },
  ]);
  assert.equal(body.status, 'completed', JSON.stringify(body.error));
  const { text } = await pdfText((await download(body.output.pdf.url)).bytes);
  assert.ok(text.includes('the key is [REDACTED]'), text);
  assert.ok(!text.includes('pdf-secret-value-42'));
  const unknown = await run([{ id: 'p', name: 'P', type: 'generate-pdf', config: { markdown: '{{secret:NO_SUCH_KEY}}' } }]);
  assert.equal(unknown.body.error.code, 'SECRET_NOT_FOUND');
  assert.match(unknown.body.error.message, /NO_SUCH_KEY/);
});

test('bad asset configs are 422s naming the field; limits and unusable sources fail the step with their codes', async () => {
  const both = await run([{ id: 's', name: 'S', type: 'store-asset', config: { url: 'https://example.com/a', content: 'AAAA' } }]);
  assert.equal(both.status, 422);
  assert.match(JSON.stringify(both.body), /flow\.steps\[0\]\.config\.url/);
  const neither = await run([{ id: 'p', name: 'P', type: 'generate-pdf', config: {} }]);
  assert.equal(neither.status, 422);
  assert.match(JSON.stringify(neither.body), /flow\.steps\[0\]\.config\.html/);
  const format = await run([{ id: 'p', name: 'P', type: 'generate-pdf', config: { markdown: '# x', pdfOptions: { format: 'B9' } } }]);
  assert.equal(format.status, 422);
  assert.match(JSON.stringify(format.body), /flow\.steps\[0\]\.config\.pdfOptions\.format/);

  const failures: Array<[unknown, string]> = [
    [{ type: 'store-asset', config: { content: 'not base64!' } }, 'ASSET_INVALID'],
    [{ type: 'store-asset', config: { content: Buffer.alloc(300_001).toString('base64') } }, 'ASSET_TOO_LARGE'],
    [{ type: 'store-asset', config: { url: `http://127.0.0.2:${new URL(filesUrl).port}/notes.txt` } }, 'SSRF_BLOCKED'],
    [{ type: 'generate-pdf', config: { markdown: `![page](${filesUrl}/page.html)` } }, 'PDF_RENDER_ERROR'],
    [
      {
        type: 'generate-pdf',
        // 12,000 one-line paragraphs: more than 200 pages, from a small input.
        config: { markdown: 'line\n\n'.repeat(12_000) },
      },
      'PDF_LIMIT_EXCEEDED',
    ],
  ];
  for (const [step, code] of failures) {
    const { body } = await run([{ id: 'x', name: 'X', ...(step as object) }]);
    assert.equal(body.status, 'failed', `${code}: ${JSON.stringify(body).slice(0, 300)}`);
    assert.equal(body.error.code, code, JSON.stringify(body.error));
  }
});
