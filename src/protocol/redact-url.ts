/**
 * URLs as error messages and logs may show them: users put credentials in URLs (`https://user:pass@host`,
 * `?token=…`, `?key=…`, signed `?sig=…`), and an error that repeats the URL repeats the credential to whoever
 * reads the answer, the run's events or the logs.
 */

/** What stands for a removed query value or fragment. */
export const redacted = 'redacted';

/**
 * The URL without its userinfo, with every query value (and the fragment) replaced by `redacted`; the scheme,
 * host, port, path and query names stay, so the message still says where. Text that is not a URL is
 * treated the same way as far as it looks like one.
 */
export function redactUrl(url: string | URL): string {
  const text = String(url);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return redactUnparsed(text);
  }
  const query = parsed.search ? `?${redactQuery(parsed.search.slice(1))}` : '';
  const fragment = parsed.hash ? `#${redacted}` : '';
  const authority = parsed.host !== '' || /^[^:]+:[\\/]{2}/.test(text) ? `//${parsed.host}` : '';
  return `${parsed.protocol}${authority}${parsed.pathname}${query}${fragment}`;
}

// A scheme (bounded, as schemes are short), `//` (either slash, as URL parsers accept), then everything up to
// white space or a quote. Greedy and without lookahead: a long answer cannot make it backtrack.
const urlInText = /\b[a-z][a-z0-9+.-]{0,31}:[\\/]{2}[^\s"'<>`]+/gi;
// The punctuation a sentence puts after a URL, kept apart from it.
const punctuation = new Set(['.', ',', ':', ';', '!', '?', ')', ']', '}']);

/** Free text (an error message, a server's answer) with every URL in it redacted as `redactUrl` does. */
export function redactUrlsIn(text: string): string {
  return text.replace(urlInText, (found) => {
    let end = found.length;
    while (end > 0 && punctuation.has(found[end - 1]!)) end--;
    return redactUrl(found.slice(0, end)) + found.slice(end);
  });
}

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((part) => {
      const equals = part.indexOf('=');
      // A bare part (`?sk-live-123`) is a value without a name: it goes too.
      return equals === -1 ? (part === '' ? '' : redacted) : `${part.slice(0, equals)}=${redacted}`;
    })
    .join('&');
}

/** What `redactUrl` does for text the URL parser refuses (`http://{{host}}/x?token=…`). */
function redactUnparsed(text: string): string {
  const withoutUserinfo = text.replace(/^([a-z][a-z0-9+.-]*:[\\/]{2})[^\\/?#]*@/i, '$1');
  const hash = withoutUserinfo.indexOf('#');
  const beforeHash = hash === -1 ? withoutUserinfo : withoutUserinfo.slice(0, hash);
  const fragment = hash === -1 ? '' : `#${redacted}`;
  const question = beforeHash.indexOf('?');
  if (question === -1) return `${beforeHash}${fragment}`;
  return `${beforeHash.slice(0, question)}?${redactQuery(beforeHash.slice(question + 1))}${fragment}`;
}
