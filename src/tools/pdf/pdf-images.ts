import { FlowrunError } from '../../protocol/errors.js';
import { redactUrl } from '../../protocol/redact-url.js';
import type { PdfRenderLimits } from '../../engine/asset-port.js';
import type { AssetDownload } from '../asset-download.js';

const isPng = (bytes: Buffer) => bytes.length > 8 && bytes.readUInt32BE(0) === 0x89504e47;
const isJpeg = (bytes: Buffer) => bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;

const describe = (src: string) => (src.startsWith('data:') ? `${src.slice(0, 30)}…` : redactUrl(src));

async function loadOne(src: string, download: AssetDownload, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  let bytes: Buffer;
  if (src.startsWith('data:')) {
    const match = /^data:[^,]*;base64,(.*)$/s.exec(src);
    if (!match) throw new FlowrunError('PDF_RENDER_ERROR', `image ${describe(src)}: a data: URL image must be base64`);
    bytes = Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
    if (bytes.length > maxBytes)
      throw new FlowrunError(
        'PDF_LIMIT_EXCEEDED',
        `image ${describe(src)} is ${bytes.length} bytes; an image may have at most ${maxBytes}`,
      );
  } else if (/^https?:\/\//i.test(src)) {
    try {
      bytes = Buffer.from((await download(src, { maxBytes, signal })).bytes);
    } catch (error) {
      if (FlowrunError.isInstance(error) && error.code === 'ASSET_TOO_LARGE')
        throw new FlowrunError('PDF_LIMIT_EXCEEDED', `image ${describe(src)} is larger than ${maxBytes} bytes`, [], { cause: error });
      throw error;
    }
  } else {
    throw new FlowrunError('PDF_RENDER_ERROR', `image ${describe(src)}: an image is a data: URL or an http(s) address`);
  }
  if (!isPng(bytes) && !isJpeg(bytes)) throw new FlowrunError('PDF_RENDER_ERROR', `image ${describe(src)} is not a PNG or JPEG image`);
  return bytes;
}

/** The document's images, decoded or downloaded (under the SSRF guard), each checked to be PNG or JPEG, within the limits. */
export async function loadImages(
  sources: string[],
  download: AssetDownload,
  limits: PdfRenderLimits,
  signal: AbortSignal,
): Promise<Map<string, Buffer>> {
  const unique = [...new Set(sources)];
  if (unique.length > limits.maxImages)
    throw new FlowrunError('PDF_LIMIT_EXCEEDED', `the document has ${unique.length} images; a PDF may have at most ${limits.maxImages}`);
  const images = new Map<string, Buffer>();
  let total = 0;
  for (const src of unique) {
    const bytes = await loadOne(src, download, limits.maxImageBytes, signal);
    total += bytes.length;
    if (total > limits.maxTotalImageBytes)
      throw new FlowrunError('PDF_LIMIT_EXCEEDED', `the document's images are more than ${limits.maxTotalImageBytes} bytes together`);
    images.set(src, bytes);
  }
  return images;
}
