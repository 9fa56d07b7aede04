import type PDFDocument from 'pdfkit';
import { plainText, type Block, type Inline } from './document.js';
import { winAnsiText } from './win-ansi.js';

type Doc = InstanceType<typeof PDFDocument>;

/** Where blocks go across the page: their left edge and width (lists and quotes indent). */
interface Frame {
  x: number;
  width: number;
}

export interface LayoutContext {
  doc: Doc;
  /** Decoded images by `src`. */
  images: Map<string, Buffer>;
  /** Called after each block: throws when the document is past its page limit or the run was cancelled. */
  check(): void;
}

const headingSizes = [22, 18, 15, 13, 12, 11];
const bodySize = 11;
const linkColor = '#1a4fd6';

function fontOf(inline: Omit<Inline, 'text'>, heading: boolean): string {
  if (inline.code) return 'Courier';
  const bold = inline.bold || heading;
  if (bold && inline.italic) return 'Helvetica-BoldOblique';
  if (bold) return 'Helvetica-Bold';
  return inline.italic ? 'Helvetica-Oblique' : 'Helvetica';
}

/** Styled runs as one flowing paragraph at the frame's left edge. */
function writeInlines(context: LayoutContext, inlines: Inline[], frame: Frame, size: number, heading = false): void {
  const { doc } = context;
  const runs = inlines.filter((inline) => inline.text !== '');
  if (runs.length === 0) return;
  doc.fontSize(size);
  runs.forEach((run, index) => {
    const options = { width: frame.width, continued: index < runs.length - 1, link: run.link ?? null, underline: Boolean(run.link) };
    doc.font(fontOf(run, heading)).fillColor(run.link ? linkColor : 'black');
    if (index === 0) doc.text(winAnsiText(run.text), frame.x, doc.y, options);
    else doc.text(winAnsiText(run.text), options);
  });
  doc.fillColor('black');
}

function writeList(context: LayoutContext, block: Extract<Block, { type: 'list' }>, frame: Frame): void {
  const { doc } = context;
  const indent = 18;
  block.items.forEach((item, index) => {
    const marker = block.ordered ? `${block.start + index}.` : '\u2022';
    const top = doc.y;
    doc
      .font('Helvetica')
      .fontSize(bodySize)
      .fillColor('black')
      .text(marker, frame.x, top, { width: indent - 4, lineBreak: false });
    doc.y = top;
    writeBlocks(context, item, { x: frame.x + indent, width: frame.width - indent }, true);
    if (doc.y < top + doc.currentLineHeight()) doc.y = top + doc.currentLineHeight();
  });
}

function writeTable(context: LayoutContext, block: Extract<Block, { type: 'table' }>, frame: Frame): void {
  const { doc } = context;
  const rows = [...(block.header ? [{ cells: block.header, header: true }] : []), ...block.rows.map((cells) => ({ cells, header: false }))];
  const columns = Math.max(1, ...rows.map((row) => row.cells.length));
  const columnWidth = frame.width / columns;
  const padding = 4;
  const bottom = doc.page.height - doc.page.margins.bottom;
  doc.fontSize(bodySize - 1);
  for (const row of rows) {
    const texts = Array.from({ length: columns }, (_unused, index) => winAnsiText(plainText(row.cells[index] ?? [])));
    doc.font(row.header ? 'Helvetica-Bold' : 'Helvetica');
    const height = Math.max(...texts.map((text) => doc.heightOfString(text || ' ', { width: columnWidth - 2 * padding }))) + 2 * padding;
    if (doc.y + height > bottom) doc.addPage();
    const top = doc.y;
    texts.forEach((text, index) => {
      const x = frame.x + index * columnWidth;
      if (row.header) doc.rect(x, top, columnWidth, height).fillAndStroke('#eeeeee', '#999999').fillColor('black');
      else doc.rect(x, top, columnWidth, height).strokeColor('#999999').stroke();
      doc.text(text, x + padding, top + padding, { width: columnWidth - 2 * padding });
    });
    doc.y = top + height;
  }
  doc.x = frame.x;
}

function writeImage(context: LayoutContext, block: Extract<Block, { type: 'image' }>, frame: Frame): void {
  const { doc } = context;
  const data = context.images.get(block.src);
  if (!data) return;
  // pdfkit's openImage (missing from its types) reads the size without drawing.
  const image = (doc as unknown as { openImage(data: Buffer): { width: number; height: number } }).openImage(data);
  const maxHeight = doc.page.height - doc.page.margins.top - doc.page.margins.bottom;
  const scale = Math.min(1, frame.width / image.width, maxHeight / image.height);
  const height = image.height * scale;
  if (doc.y + height > doc.page.height - doc.page.margins.bottom) doc.addPage();
  doc.image(image as never, frame.x, doc.y, { width: image.width * scale, height });
  doc.y += height;
}

function writeBlock(context: LayoutContext, block: Block, frame: Frame): void {
  const { doc } = context;
  switch (block.type) {
    case 'heading':
      doc.moveDown(0.4);
      return writeInlines(context, block.inlines, frame, headingSizes[block.level - 1] ?? bodySize, true);
    case 'paragraph':
      return writeInlines(context, block.inlines, frame, bodySize);
    case 'list':
      return writeList(context, block, frame);
    case 'table':
      return writeTable(context, block, frame);
    case 'code':
      doc
        .font('Courier')
        .fontSize(bodySize - 1.5)
        .fillColor('#222222');
      doc.text(winAnsiText(block.text), frame.x + 8, doc.y, { width: frame.width - 8 });
      doc.fillColor('black');
      return;
    case 'quote':
      doc.fillColor('#444444');
      writeBlocks(context, block.blocks, { x: frame.x + 14, width: frame.width - 14 });
      doc.fillColor('black');
      return;
    case 'image':
      return writeImage(context, block, frame);
    case 'rule': {
      const y = doc.y + 4;
      doc
        .moveTo(frame.x, y)
        .lineTo(frame.x + frame.width, y)
        .strokeColor('#999999')
        .stroke();
      doc.y = y + 6;
      return;
    }
  }
}

/** Lays blocks out one after another in the frame, with a gap between them (a tight list item has less). */
export function writeBlocks(context: LayoutContext, blocks: Block[], frame: Frame, tight = false): void {
  blocks.forEach((block, index) => {
    writeBlock(context, block, frame);
    if (index < blocks.length - 1 || !tight) context.doc.moveDown(tight ? 0.2 : 0.5);
    context.check();
  });
}
