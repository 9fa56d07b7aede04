import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractText, getDocumentProxy } from 'unpdf';
import { pdfLimits } from '../../protocol/asset.js';
import { FlowrunError } from '../../protocol/errors.js';
import { htmlDocument } from './html-document.js';
import { markdownDocument } from './markdown-document.js';
import { createPdfRenderer } from './render-pdf.js';
import { winAnsiText } from './win-ansi.js';

test('markdown: headings, nested lists, tables, links, styles and images become blocks', () => {
  const blocks = markdownDocument(
    '# Title\n\nSome **bold** [docs](https://x.test) &amp; more.\n\n1. one\n2. two\n   - inner\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n![alt](data:image/png;base64,AA==)',
  );
  assert.deepEqual(blocks[0], { type: 'heading', level: 1, inlines: [{ text: 'Title' }] });
  assert.deepEqual(blocks[1], {
    type: 'paragraph',
    inlines: [
      { text: 'Some ' },
      { bold: true, text: 'bold' },
      { text: ' ' },
      { link: 'https://x.test', text: 'docs' },
      { text: ' & more.' },
    ],
  });
  const list = blocks[2] as Extract<(typeof blocks)[number], { type: 'list' }>;
  assert.deepEqual([list.type, list.ordered, list.start, list.items.length], ['list', true, 1, 2]);
  assert.equal(list.items[1]![1]!.type, 'list');
  assert.deepEqual(blocks[3], { type: 'table', header: [[{ text: 'A' }], [{ text: 'B' }]], rows: [[[{ text: '1' }], [{ text: '2' }]]] });
  assert.deepEqual(blocks[4], { type: 'image', src: 'data:image/png;base64,AA==', alt: 'alt' });
});

test('HTML: scripts, styles and the head are left out; white space collapses; th rows are the header', () => {
  const blocks = htmlDocument(
    '<html><head><title>T</title><style>p{}</style></head><body><script>evil()</script><h2>Sub  title</h2>text <em>em</em><br>next<ul><li>a</li><li><p>b</p></li></ul><table><tr><th>H</th></tr><tr><td>c &lt; d</td></tr></table></body></html>',
  );
  assert.deepEqual(
    blocks.map((block) => block.type),
    ['heading', 'paragraph', 'list', 'table'],
  );
  assert.deepEqual(blocks[0], { type: 'heading', level: 2, inlines: [{ text: 'Sub title' }] });
  assert.deepEqual(blocks[1], {
    type: 'paragraph',
    inlines: [{ text: 'text ' }, { italic: true, text: 'em' }, { text: '\n' }, { text: 'next' }],
  });
  assert.deepEqual(blocks[3], { type: 'table', header: [[{ bold: true, text: 'H' }]], rows: [[[{ text: 'c < d' }]]] });
});

test('characters the built-in fonts cannot draw become ?, the ones WinAnsi has stay', () => {
  assert.equal(winAnsiText('Café – “ok” € 日本 😀\tx'), 'Café – “ok” € ?? ?    x');
});

const render = createPdfRenderer(async () => {
  throw new FlowrunError('SSRF_BLOCKED', 'no downloads here');
});
const context = () => ({ limits: pdfLimits, signal: new AbortController().signal });

test('page sizes follow format and landscape; margins in mm are converted; too wide margins are refused', async () => {
  const sizes: Array<[Parameters<typeof render>[1], [number, number]]> = [
    [{}, [595, 842]],
    [{ format: 'A4', landscape: true }, [842, 595]],
    [{ format: 'LETTER' }, [612, 792]],
    [{ format: 'A5', margin: { left: '10mm', right: 20 } }, [420, 595]],
  ];
  for (const [options, expected] of sizes) {
    const { bytes } = await render({ kind: 'markdown', text: '# Hello' }, options, context());
    const [, , width, height] = (await (await getDocumentProxy(bytes)).getPage(1)).view as number[];
    assert.deepEqual([Math.round(width!), Math.round(height!)], expected, JSON.stringify(options));
  }
  await assert.rejects(render({ kind: 'markdown', text: 'x' }, { margin: '4in' }, context()), /PDF_RENDER_ERROR|margin/);
});

test('a long table goes on over pages and every cell can be read back', async () => {
  const rows = Array.from({ length: 120 }, (_unused, index) => `| row ${index} | value ${index * 2} |`).join('\n');
  const { bytes, pages } = await render({ kind: 'markdown', text: `| Name | Value |\n|---|---|\n${rows}` }, {}, context());
  assert.ok(pages >= 2, `${pages} pages`);
  const pdf = await getDocumentProxy(bytes);
  assert.equal(pdf.numPages, pages);
  const { text } = await extractText(pdf, { mergePages: true });
  for (const expected of ['row 0', 'value 0', 'row 119', 'value 238']) assert.ok(text.includes(expected), expected);
});

test('images past the limits, in other formats or from elsewhere than data: and http(s) are refused with their codes', async () => {
  const tiny = { ...pdfLimits, maxImages: 1, maxImageBytes: 10 };
  const gif = `data:image/gif;base64,${Buffer.from('GIF89a....').toString('base64')}`;
  const cases: Array<[string, typeof pdfLimits | typeof tiny, string]> = [
    ['![a](data:image/png;base64,AA==) ![b](data:image/png;base64,AB==)', tiny, 'PDF_LIMIT_EXCEEDED'],
    [`![a](data:image/png;base64,${Buffer.alloc(20).toString('base64')})`, tiny, 'PDF_LIMIT_EXCEEDED'],
    [`![a](${gif})`, pdfLimits, 'PDF_RENDER_ERROR'],
    ['![a](file:///etc/passwd)', pdfLimits, 'PDF_RENDER_ERROR'],
    ['![a](http://169.254.169.254/latest)', pdfLimits, 'SSRF_BLOCKED'],
  ];
  for (const [text, limits, code] of cases)
    await assert.rejects(
      render({ kind: 'markdown', text }, {}, { limits, signal: new AbortController().signal }),
      (error: unknown) => FlowrunError.isInstance(error) && error.code === code,
      `${text} → ${code}`,
    );
});
