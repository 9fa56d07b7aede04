import { marked, type Token, type Tokens } from 'marked';
import type { Block, Inline } from './document.js';
import { htmlDocument } from './html-document.js';

type Style = Omit<Inline, 'text'>;

/** Inline markdown tokens as styled runs; images are set apart (`images`), as the layout places them as blocks. */
function inlinesOf(tokens: Token[] | undefined, style: Style, images: Block[]): Inline[] {
  const runs: Inline[] = [];
  for (const token of tokens ?? []) {
    switch (token.type) {
      case 'strong':
        runs.push(...inlinesOf((token as Tokens.Strong).tokens, { ...style, bold: true }, images));
        break;
      case 'em':
        runs.push(...inlinesOf((token as Tokens.Em).tokens, { ...style, italic: true }, images));
        break;
      case 'del':
        runs.push(...inlinesOf((token as Tokens.Del).tokens, style, images));
        break;
      case 'codespan':
        runs.push({ ...style, code: true, text: decodeEntities((token as Tokens.Codespan).text) });
        break;
      case 'link':
        runs.push(...inlinesOf((token as Tokens.Link).tokens, { ...style, link: (token as Tokens.Link).href }, images));
        break;
      case 'image':
        images.push({ type: 'image', src: (token as Tokens.Image).href, alt: (token as Tokens.Image).text });
        break;
      case 'br':
        runs.push({ ...style, text: '\n' });
        break;
      case 'html':
        break;
      case 'text': {
        const text = token as Tokens.Text;
        if (text.tokens?.length) runs.push(...inlinesOf(text.tokens, style, images));
        else runs.push({ ...style, text: decodeEntities(text.text) });
        break;
      }
      default:
        if ('text' in token && typeof token.text === 'string') runs.push({ ...style, text: decodeEntities(token.text) });
    }
  }
  return runs;
}

/** Text and its images as blocks: a paragraph (when there is text), then each image. */
function withImages(make: (inlines: Inline[]) => Block, tokens: Token[] | undefined): Block[] {
  const images: Block[] = [];
  const inlines = inlinesOf(tokens, {}, images);
  return [...(inlines.some((inline) => inline.text.trim() !== '') ? [make(inlines)] : []), ...images];
}

function blocksOf(tokens: Token[]): Block[] {
  return tokens.flatMap((token): Block[] => {
    switch (token.type) {
      case 'heading':
        return withImages(
          (inlines) => ({ type: 'heading', level: (token as Tokens.Heading).depth, inlines }),
          (token as Tokens.Heading).tokens,
        );
      case 'paragraph':
      case 'text':
        return withImages(
          (inlines) => ({ type: 'paragraph', inlines }),
          (token as Tokens.Paragraph).tokens ?? [{ ...token, tokens: undefined }],
        );
      case 'list': {
        const list = token as Tokens.List;
        const start = typeof list.start === 'number' ? list.start : 1;
        return [{ type: 'list', ordered: list.ordered, start, items: list.items.map((item) => blocksOf(item.tokens)) }];
      }
      case 'table': {
        const table = token as Tokens.Table;
        const cell = (entry: Tokens.TableCell) => inlinesOf(entry.tokens, {}, []);
        return [{ type: 'table', header: table.header.map(cell), rows: table.rows.map((row) => row.map(cell)) }];
      }
      case 'code':
        return [{ type: 'code', text: (token as Tokens.Code).text }];
      case 'blockquote':
        return [{ type: 'quote', blocks: blocksOf((token as Tokens.Blockquote).tokens) }];
      case 'hr':
        return [{ type: 'rule' }];
      case 'html':
        return htmlDocument((token as Tokens.HTML).text);
      default:
        return [];
    }
  });
}

/** Markdown (GitHub's flavour: tables too) as document blocks. */
export function markdownDocument(markdown: string): Block[] {
  return blocksOf(marked.lexer(markdown, { gfm: true }));
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: '\u00a0' };

/** The few entities marked's lexer leaves in text (it escapes what it will render as HTML). */
function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|apos|nbsp);/g, (_match, name: string) => entities[name]!);
}
