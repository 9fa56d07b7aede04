/**
 * The `rel="next"` target of an HTTP Link header (RFC 8288), resolved against the page's URL; null when there
 * is none, or it is not http(s). One linear scan, no backtracking pattern over the header.
 */
export function nextLinkOf(header: string | string[] | undefined, base: string): URL | null {
  const value = Array.isArray(header) ? header.join(', ') : (header ?? '');
  let index = 0;
  for (;;) {
    const open = value.indexOf('<', index);
    if (open === -1) return null;
    const close = value.indexOf('>', open);
    if (close === -1) return null;
    const following = value.indexOf('<', close);
    const params = value.slice(close + 1, following === -1 ? undefined : following);
    const isNext = params.split(';').some((param) => {
      const equals = param.indexOf('=');
      if (equals === -1 || param.slice(0, equals).trim().toLowerCase() !== 'rel') return false;
      const relations = param
        .slice(equals + 1)
        .replace(/[",]/g, ' ')
        .trim()
        .toLowerCase()
        .split(/\s+/);
      return relations.includes('next');
    });
    if (isNext) {
      const link = URL.parse(value.slice(open + 1, close).trim(), base);
      return link && (link.protocol === 'http:' || link.protocol === 'https:') ? link : null;
    }
    if (following === -1) return null;
    index = following;
  }
}
