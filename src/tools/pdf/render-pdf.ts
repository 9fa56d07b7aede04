import PDFDocument from 'pdfkit';
import type { PdfOptions, PdfSource } from '../../protocol/asset.js';
import { FlowrunError } from '../../protocol/errors.js';
import type { AssetPort } from '../../engine/asset-port.js';
import type { AssetDownload } from '../asset-download.js';
import { imagesOf, type Block } from './document.js';
import { htmlDocument } from './html-document.js';
import { markdownDocument } from './markdown-document.js';
import { loadImages } from './pdf-images.js';
import { writeBlocks } from './pdf-layout.js';

const pointsPer: Record<string, number> = { pt: 1, in: 72, mm: 72 / 25.4, cm: 72 / 2.54, px: 0.75 };

/** A margin in points: a number is points already; `20mm`, `1in`, `12pt`, `16px` are converted. */
function points(length: number | string | undefined, fallback: number): number {
  if (length === undefined) return fallback;
  if (typeof length === 'number') return length;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(mm|cm|in|pt|px)?\s*$/.exec(length)!;
  return Number(match[1]) * pointsPer[match[2] ?? 'pt']!;
}

function marginsOf(margin: PdfOptions['margin']): { top: number; right: number; bottom: number; left: number } {
  const fallback = 40;
  if (margin === undefined || typeof margin !== 'object') {
    const all = points(margin, fallback);
    return { top: all, right: all, bottom: all, left: all };
  }
  return {
    top: points(margin.top, fallback),
    right: points(margin.right, fallback),
    bottom: points(margin.bottom, fallback),
    left: points(margin.left, fallback),
  };
}

function blocksOf(source: PdfSource): Block[] {
  return source.kind === 'html' ? htmlDocument(source.text) : markdownDocument(source.text);
}

/** `renderPdf` of the asset port: blocks from markdown or HTML, laid out with pdfkit's built-in Helvetica and Courier. */
export function createPdfRenderer(download: AssetDownload): AssetPort['renderPdf'] {
  return async (source, options, { limits, signal }) => {
    const blocks = blocksOf(source);
    const images = await loadImages(imagesOf(blocks), download, limits, signal);
    const margins = marginsOf(options.margin);
    const doc = new PDFDocument({
      size: options.format ?? 'A4',
      layout: options.landscape ? 'landscape' : 'portrait',
      margins,
      info: { Producer: 'Flowrun', Creator: 'Flowrun' },
    });
    if (margins.left + margins.right > doc.page.width - 72 || margins.top + margins.bottom > doc.page.height - 72)
      throw new FlowrunError('PDF_RENDER_ERROR', 'pdfOptions.margin leaves less than an inch of the page for the text');
    const parts: Buffer[] = [];
    doc.on('data', (part: Buffer) => parts.push(part));
    const ended = new Promise<void>((resolve, reject) => {
      doc.on('end', resolve);
      doc.on('error', reject);
    });
    let pages = 1;
    doc.on('pageAdded', () => pages++);
    const check = () => {
      if (signal.aborted) throw new FlowrunError('CANCELLED', 'the run was cancelled while its PDF was laid out');
      if (pages > limits.maxPages) throw new FlowrunError('PDF_LIMIT_EXCEEDED', `the PDF would have more than ${limits.maxPages} pages`);
    };
    try {
      writeBlocks({ doc, images, check }, blocks, { x: margins.left, width: doc.page.width - margins.left - margins.right });
    } catch (error) {
      if (FlowrunError.isInstance(error)) throw error;
      throw new FlowrunError('PDF_RENDER_ERROR', `the PDF cannot be laid out: ${(error as Error).message}`, [], { cause: error });
    }
    doc.end();
    await ended;
    return { bytes: new Uint8Array(Buffer.concat(parts)), pages };
  };
}
