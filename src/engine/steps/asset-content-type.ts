/** Media types by the bytes a file starts with. */
const signatures: Array<[number[], string]> = [
  [[0x89, 0x50, 0x4e, 0x47], 'image/png'],
  [[0xff, 0xd8, 0xff], 'image/jpeg'],
  [[0x47, 0x49, 0x46, 0x38], 'image/gif'],
  [[0x25, 0x50, 0x44, 0x46], 'application/pdf'],
  [[0x50, 0x4b, 0x03, 0x04], 'application/zip'],
];

const byExtension: Record<string, string> = {
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
};

/** The media type a download said, else the one its bytes show, else its file name's; octet-stream when none does. */
export function contentTypeOf(bytes: Uint8Array, fileName: string, declared: string | null): string {
  if (declared && /^[\w.+-]+\/[\w.+-]+/.test(declared)) return declared;
  for (const [signature, type] of signatures) if (signature.every((byte, index) => bytes[index] === byte)) return type;
  const extension = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
  return (extension && byExtension[extension]) || 'application/octet-stream';
}

/** The last segment of a URL's path, as a file name (null when there is none). */
export function fileNameOfUrl(url: string): string | null {
  try {
    const last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    // eslint-disable-next-line no-control-regex -- control characters are what is removed
    const clean = last.replace(/[/\\\u0000-\u001f]/g, '').slice(0, 255);
    return clean || null;
  } catch {
    return null;
  }
}
