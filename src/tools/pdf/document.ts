/** A run of text with one style: what a paragraph, a heading or a table cell is made of. */
export interface Inline {
  text: string;
  bold?: boolean;
  italic?: boolean;
  code?: boolean;
  /** The address the text links to. */
  link?: string;
}

/** A document as the PDF layout reads it: what markdown and HTML are both turned into. */
export type Block =
  | { type: 'heading'; level: number; inlines: Inline[] }
  | { type: 'paragraph'; inlines: Inline[] }
  | { type: 'list'; ordered: boolean; start: number; items: Block[][] }
  | { type: 'table'; header: Inline[][] | null; rows: Inline[][][] }
  | { type: 'code'; text: string }
  | { type: 'quote'; blocks: Block[] }
  | { type: 'image'; src: string; alt: string }
  | { type: 'rule' };

/** The text of inline runs, without their styles. */
export const plainText = (inlines: Inline[]): string => inlines.map((inline) => inline.text).join('');

/** Every image of a document, in order (inside lists and quotes too). */
export function imagesOf(blocks: Block[]): string[] {
  const found: string[] = [];
  const visit = (list: Block[]): void => {
    for (const block of list) {
      if (block.type === 'image') found.push(block.src);
      else if (block.type === 'list') block.items.forEach(visit);
      else if (block.type === 'quote') visit(block.blocks);
    }
  };
  visit(blocks);
  return found;
}
