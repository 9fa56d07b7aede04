import { z } from 'zod';

/** `private`: served only to the tenant's own keys (`GET /v1/assets/{id}`); `public`: also through a signed URL. */
export const AssetVisibility = z.enum(['private', 'public']);
export type AssetVisibility = z.infer<typeof AssetVisibility>;

/** Page sizes a PDF may have (`pdfOptions.format`, any letter case). */
export const pdfFormats = ['A3', 'A4', 'A5', 'LEGAL', 'LETTER', 'TABLOID'] as const;

/** A length: points as a number, or a number with a unit (`20mm`, `1in`, `2cm`, `12pt`, `16px`). */
const PdfLength = z.union([
  z.number().min(0).max(1000),
  z.string().regex(/^\s*\d+(\.\d+)?\s*(mm|cm|in|pt|px)?\s*$/, 'a margin is a number of points or a length such as 20mm, 1in, 12pt'),
]);

export const PdfOptions = z
  .object({
    format: z
      .string()
      .transform((format) => format.toUpperCase())
      .pipe(z.enum(pdfFormats, { message: `format is one of ${pdfFormats.join(', ')}` }))
      .optional()
      .describe('The page size: A4 (the default), Letter, Legal, A3, A5 or Tabloid'),
    landscape: z.boolean().optional().describe('Pages wider than tall'),
    margin: z
      .union([
        PdfLength,
        z.object({ top: PdfLength.optional(), right: PdfLength.optional(), bottom: PdfLength.optional(), left: PdfLength.optional() }),
      ])
      .optional()
      .describe('Space around the text: points, a length such as 20mm, or {top, right, bottom, left}'),
  })
  .loose();
export type PdfOptions = z.infer<typeof PdfOptions>;

/** What a PDF is rendered from. */
export interface PdfSource {
  kind: 'html' | 'markdown';
  text: string;
}

/** The bounds of one PDF render: past them the step fails with PDF_LIMIT_EXCEEDED. */
export const pdfLimits = {
  /** Characters of HTML or markdown. */
  maxInputChars: 1_000_000,
  maxPages: 200,
  maxImages: 50,
  /** Bytes of one image, and of all images of one document. */
  maxImageBytes: 5 * 1024 * 1024,
  maxTotalImageBytes: 20 * 1024 * 1024,
} as const;

/** An asset as the API and a step's result describe it (never its bytes). */
export interface AssetView {
  id: string;
  fileName: string;
  contentType: string;
  size: number;
  visibility: AssetVisibility;
  /** Where to get it: the authenticated `/v1/assets/{id}`, or for a public asset its signed URL. */
  url: string;
  /** When a public asset's signed URL stops working (ISO time); null for private assets. */
  urlExpiresAt: string | null;
  executionId: string | null;
  createdAt: string;
}
