/**
 * A page's readable text: scripts, styles and comments dropped, block elements as line breaks, tags removed,
 * common entities decoded, whitespace collapsed. One linear pass per rule (no backtracking patterns on page text).
 */
export function htmlToText(html: string): string {
  let text = dropBetween(html, '<!--', '-->');
  for (const tag of ['script', 'style', 'noscript', 'template', 'svg']) text = dropElement(text, tag);
  let out = '';
  let index = 0;
  while (index < text.length) {
    const open = text.indexOf('<', index);
    if (open === -1) {
      out += text.slice(index);
      break;
    }
    out += text.slice(index, open);
    const close = text.indexOf('>', open);
    if (close === -1) break;
    const name = /^<\/?([a-zA-Z0-9]+)/.exec(text.slice(open, Math.min(close + 1, open + 20)))?.[1]?.toLowerCase() ?? '';
    if (blockTags.has(name)) out += '\n';
    index = close + 1;
  }
  return decodeEntities(out)
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\r]+/g, ' ').trim())
    .filter((line, position, lines) => line !== '' || (position > 0 && lines[position - 1] !== ''))
    .join('\n')
    .trim();
}

const blockTags = new Set([
  'p',
  'div',
  'br',
  'li',
  'ul',
  'ol',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'tr',
  'table',
  'section',
  'article',
  'header',
  'footer',
  'pre',
  'blockquote',
  'title',
]);

function dropBetween(text: string, start: string, end: string): string {
  let out = '';
  let index = 0;
  for (;;) {
    const from = text.indexOf(start, index);
    if (from === -1) return out + text.slice(index);
    out += text.slice(index, from);
    const to = text.indexOf(end, from + start.length);
    if (to === -1) return out;
    index = to + end.length;
  }
}

function dropElement(text: string, tag: string): string {
  const lower = text.toLowerCase();
  let out = '';
  let index = 0;
  for (;;) {
    const from = lower.indexOf(`<${tag}`, index);
    if (from === -1) return out + text.slice(index);
    out += text.slice(index, from);
    const to = lower.indexOf(`</${tag}`, from);
    if (to === -1) return out;
    const end = lower.indexOf('>', to);
    index = end === -1 ? text.length : end + 1;
  }
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});/g, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code = name.startsWith('#x') ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return entities[name.toLowerCase()] ?? whole;
  });
}
