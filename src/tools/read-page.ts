import { createRequire } from 'node:module';
import type { Readability as ReadabilityClass } from '@mozilla/readability';
import type { parseHTML as ParseHtml } from 'linkedom';
import type TurndownServiceClass from 'turndown';
import type { ReadablePage } from '../engine/ports.js';
import { htmlToText } from './html-text.js';

interface ReaderLibraries {
  Readability: typeof ReadabilityClass;
  parseHTML: typeof ParseHtml;
  TurndownService: typeof TurndownServiceClass;
}

let libraries: ReaderLibraries | undefined;
/**
 * Loaded on the first page read, not with the server: linkedom and turndown took ~270 ms of every process's
 * start (and of every test's), most of which never reads a page.
 */
function readerLibraries(): ReaderLibraries {
  if (!libraries) {
    const require = createRequire(import.meta.url);
    libraries = {
      Readability: (require('@mozilla/readability') as { Readability: typeof ReadabilityClass }).Readability,
      parseHTML: (require('linkedom') as { parseHTML: typeof ParseHtml }).parseHTML,
      TurndownService: require('turndown') as typeof TurndownServiceClass,
    };
  }
  return libraries;
}

let turndown: TurndownServiceClass | undefined;

/**
 * A page's readable content: Mozilla's Readability (Firefox's reader view) over a light DOM (linkedom, no
 * layout or scripts), its article as markdown (turndown) and as text. A page Readability finds no article in
 * gives its whole body. Links are those of the whole page, before Readability trims it.
 */
export function readPage(html: string, url: string): ReadablePage {
  const { Readability, parseHTML, TurndownService } = readerLibraries();
  const { document } = parseHTML(html);
  const links = linksOf(document, url);
  const fallbackTitle = document.querySelector('title')?.textContent?.trim() ?? '';
  let article: { title?: string | null; content?: string | null } | null = null;
  try {
    article = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0], { charThreshold: 100 }).parse();
  } catch {
    article = null;
  }
  const content = article?.content ?? document.querySelector('body')?.innerHTML ?? html;
  turndown ??= new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-' }).remove([
    'script',
    'style',
    'noscript',
  ]);
  return {
    title: article?.title?.trim() || fallbackTitle,
    markdown: turndown.turndown(content).trim(),
    text: htmlToText(content),
    links,
  };
}

function linksOf(document: { querySelectorAll(selector: string): ArrayLike<{ getAttribute(name: string): string | null }> }, base: string) {
  const seen = new Set<string>();
  for (const anchor of Array.from(document.querySelectorAll('a[href]'))) {
    const href = anchor.getAttribute('href');
    const link = href ? URL.parse(href, base) : null;
    if (!link || (link.protocol !== 'http:' && link.protocol !== 'https:')) continue;
    link.hash = '';
    seen.add(link.toString());
  }
  return [...seen];
}
