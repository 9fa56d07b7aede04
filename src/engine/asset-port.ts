import type { AssetView, AssetVisibility, PdfOptions, PdfSource } from '../protocol/asset.js';
import type { TenantScope } from '../protocol/tenant.js';

export interface AssetWrite {
  fileName: string;
  contentType: string;
  visibility: AssetVisibility;
  bytes: Uint8Array;
  executionId: string;
}

/** The bounds one PDF render keeps (pdfLimits, with the asset size limit). */
export interface PdfRenderLimits {
  maxPages: number;
  maxImages: number;
  maxImageBytes: number;
  maxTotalImageBytes: number;
}

/** Stored files for the asset steps (`store-asset`, `generate-pdf`, a `template` with outputFormat pdf). */
export interface AssetPort {
  /** The most bytes one asset may have (FLOWRUN_ASSET_MAX_BYTES). */
  readonly maxBytes: number;
  /**
   * Stores an asset of the tenant and mode; resolves once it is durable. Throws FlowrunError ASSET_TOO_LARGE
   * past `maxBytes`, ASSET_STORAGE_ERROR when the folder or bucket fails.
   */
  save(scope: TenantScope, asset: AssetWrite): Promise<AssetView>;
  /**
   * Downloads a file under the SSRF guard (checked at connect time, redirects checked again), at most `maxBytes`.
   * Throws FlowrunError SSRF_BLOCKED, HTTP_TIMEOUT, HTTP_STATUS (a non-2xx answer), ASSET_TOO_LARGE.
   */
  download(url: string, options: { maxBytes: number; signal: AbortSignal }): Promise<{ bytes: Uint8Array; contentType: string | null }>;
  /**
   * Lays out HTML or markdown as a PDF (images from data: URLs, or downloaded as `download` does). Throws
   * FlowrunError PDF_LIMIT_EXCEEDED past a limit, PDF_RENDER_ERROR for an image that is not PNG or JPEG.
   */
  renderPdf(
    source: PdfSource,
    options: PdfOptions,
    context: { limits: PdfRenderLimits; signal: AbortSignal },
  ): Promise<{ bytes: Uint8Array; pages: number }>;
}
