import { parseDocument } from 'htmlparser2';
import type { Block, Inline } from './document.js';

/** The parts of htmlparser2's DOM nodes the walk reads. */
interface HtmlNode {
  type: string;
  name?: string;
  data?: string;
  attribs?: Record<string, string>;
  children?: HtmlNode[];
}

type Style = Omit<Inline, 'text'>;

const skipped = new Set(['head', 'script', 'style', 'title', 'template', 'noscript', 'svg', 'iframe', 'object']);
const blockNames = new Set([
  'p',
  'div',
  'section',
  'article',
  'header',
  'footer',
  'main',
  'nav',
  'aside',
  'figure',
  'figcaption',
  'address',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'ul',
  'ol',
  'li',
  'table',
  'pre',
  'blockquote',
  'hr',
  'img',
  'body',
  'html',
  'dl',
  'dt',
  'dd',
]);

const elements = (node: HtmlNode): HtmlNode[] => node.children ?? [];

function inlineStyle(node: HtmlNode, style: Style): Style {
  switch (node.name) {
    case 'b':
    case 'strong':
    case 'th':
      return { ...style, bold: true };
    case 'i':
    case 'em':
      return { ...style, italic: true };
    case 'code':
    case 'kbd':
    case 'samp':
      return { ...style, code: true };
    case 'a':
      return node.attribs?.href ? { ...style, link: node.attribs.href } : style;
    default:
      return style;
  }
}

/** The styled text inside a node (white space collapsed as a browser does), its images set apart. */
function inlinesOf(node: HtmlNode, style: Style, images: Block[]): Inline[] {
  if (node.type === 'text') return [{ ...style, text: (node.data ?? '').replace(/\s+/g, ' ') }];
  if (node.type !== 'tag' || skipped.has(node.name!)) return [];
  if (node.name === 'br') return [{ ...style, text: '\n' }];
  if (node.name === 'img') {
    if (node.attribs?.src) images.push({ type: 'image', src: node.attribs.src, alt: node.attribs.alt ?? '' });
    return [];
  }
  const inner = inlineStyle(node, style);
  return elements(node).flatMap((child) => inlinesOf(child, inner, images));
}

/** Trims a paragraph's runs at its ends (a browser drops that white space). */
function trimmed(inlines: Inline[]): Inline[] {
  const runs = inlines.map((inline) => ({ ...inline }));
  if (runs[0]) runs[0].text = runs[0].text.replace(/^ +/, '');
  const last = runs[runs.length - 1];
  if (last) last.text = last.text.replace(/ +$/, '');
  return runs.filter((inline) => inline.text !== '');
}

function tableOf(node: HtmlNode): Block {
  const rows: HtmlNode[] = [];
  const collect = (parent: HtmlNode) => {
    for (const child of elements(parent)) {
      if (child.type !== 'tag') continue;
      if (child.name === 'tr') rows.push(child);
      else if (['thead', 'tbody', 'tfoot'].includes(child.name!)) collect(child);
    }
  };
  collect(node);
  const cellsOf = (row: HtmlNode) =>
    elements(row)
      .filter((cell) => cell.type === 'tag' && (cell.name === 'td' || cell.name === 'th'))
      .map((cell) => trimmed(inlinesOf(cell, cell.name === 'th' ? { bold: true } : {}, [])));
  const first = rows[0];
  const headed = first !== undefined && elements(first).some((cell) => cell.name === 'th');
  return { type: 'table', header: headed ? cellsOf(first) : null, rows: rows.slice(headed ? 1 : 0).map(cellsOf) };
}

/** A block element as blocks. */
function blockOf(node: HtmlNode): Block[] {
  const name = node.name!;
  if (/^h[1-6]$/.test(name)) return paragraphs(node, (inlines) => ({ type: 'heading', level: Number(name[1]), inlines }));
  switch (name) {
    case 'ul':
    case 'ol': {
      const items = elements(node).filter((child) => child.type === 'tag' && child.name === 'li');
      const start = Number(node.attribs?.start ?? 1);
      return [
        {
          type: 'list',
          ordered: name === 'ol',
          start: Number.isInteger(start) ? start : 1,
          items: items.map((item) => blocksOf(elements(item))),
        },
      ];
    }
    case 'table':
      return [tableOf(node)];
    case 'pre':
      return [{ type: 'code', text: textOf(node) }];
    case 'blockquote':
      return [{ type: 'quote', blocks: blocksOf(elements(node)) }];
    case 'hr':
      return [{ type: 'rule' }];
    case 'img':
      return node.attribs?.src ? [{ type: 'image', src: node.attribs.src, alt: node.attribs.alt ?? '' }] : [];
    default:
      return blocksOf(elements(node));
  }
}

function paragraphs(node: HtmlNode, make: (inlines: Inline[]) => Block): Block[] {
  const images: Block[] = [];
  const inlines = trimmed(inlinesOf(node, {}, images));
  return [...(inlines.length ? [make(inlines)] : []), ...images];
}

const textOf = (node: HtmlNode): string => (node.type === 'text' ? (node.data ?? '') : elements(node).map(textOf).join(''));

/** Sibling nodes as blocks: runs of inline content between block elements become paragraphs. */
function blocksOf(nodes: HtmlNode[]): Block[] {
  const blocks: Block[] = [];
  let pending: HtmlNode[] = [];
  const flush = () => {
    if (pending.length)
      blocks.push(...paragraphs({ type: 'tag', name: 'span', children: pending }, (inlines) => ({ type: 'paragraph', inlines })));
    pending = [];
  };
  for (const node of nodes) {
    if (node.type === 'tag' && skipped.has(node.name!)) continue;
    if ((node.type === 'tag' || node.type === 'script' || node.type === 'style') && blockNames.has(node.name!)) {
      flush();
      blocks.push(...blockOf(node));
    } else if (node.type === 'text' || node.type === 'tag') pending.push(node);
  }
  flush();
  return blocks;
}

/** HTML (a document or a fragment) as document blocks; scripts, styles and the head are left out. */
export function htmlDocument(html: string): Block[] {
  const document = parseDocument(html, { decodeEntities: true, lowerCaseTags: true }) as unknown as HtmlNode;
  return blocksOf(elements(document));
}
