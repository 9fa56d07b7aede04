import type { ProviderSettings } from './provider-settings.js';

export type ImageRequest = { prompt: string; size?: string };
export type GeneratedImages = { images: Array<{ base64: string; mediaType: string }> };

/**
 * Image generation through the AI SDK's OpenAI provider (`/v1/images/generations`, any OpenAI-compatible
 * endpoint): what `builtin:dalle` calls. Null when no OpenAI key is configured. The provider package is loaded
 * on the first image.
 */
export function createImageGenerator(
  settings: ProviderSettings,
  modelId: string,
): ((request: ImageRequest, signal: AbortSignal) => Promise<GeneratedImages>) | null {
  const { apiKey, baseURL } = settings.openai;
  if (!apiKey) return null;
  return async (request, signal) => {
    const { createOpenAI } = await import('@ai-sdk/openai');
    const model = createOpenAI({ apiKey, baseURL, ...(settings.fetch ? { fetch: settings.fetch } : {}) }).image(modelId);
    const size = /^\d+x\d+$/.test(request.size ?? '') ? (request.size as `${number}x${number}`) : undefined;
    const result = await model.doGenerate({
      prompt: request.prompt,
      n: 1,
      size,
      aspectRatio: undefined,
      seed: undefined,
      files: undefined,
      mask: undefined,
      providerOptions: {},
      abortSignal: signal,
    });
    const images = result.images.map((image) => (typeof image === 'string' ? image : Buffer.from(image).toString('base64')));
    return { images: images.map((base64) => ({ base64, mediaType: mediaTypeOf(base64) })) };
  };
}

/** PNG, JPEG or WebP, by the first bytes; PNG (what DALL·E returns) otherwise. */
function mediaTypeOf(base64: string): string {
  if (base64.startsWith('/9j/')) return 'image/jpeg';
  if (base64.startsWith('UklGR')) return 'image/webp';
  return 'image/png';
}
