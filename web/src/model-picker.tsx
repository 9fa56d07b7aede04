import { useId, type ReactNode } from 'react';
import type { Model } from '@flowrun/client';
import { useLoad } from './hooks';
import { useSession } from './use-session';

/** A model's price as people read it: input and output, in USD per million tokens. */
export function priceOf(model: Pick<Model, 'pricing'>): string {
  if (!model.pricing) return 'price not in the catalog';
  const { inputPerMillionTokensUsd: input, outputPerMillionTokensUsd: output } = model.pricing;
  if (input === 0 && output === 0) return 'free';
  const usd = (value: number) => `$${value.toLocaleString(undefined, { maximumFractionDigits: 3 })}`;
  return `${usd(input)} in · ${usd(output)} out per 1M tokens`;
}

/** The models this server routes (`GET /v1/models`), each once. */
export function useModels() {
  const { client } = useSession();
  return useLoad(async () => {
    const seen = new Set<string>();
    return (await client.models.list()).data.filter((model) => !seen.has(model.id) && (seen.add(model.id), true));
  }, []);
}

/**
 * A model field: any text (a model id the server routes without listing it), with the listed models offered as the
 * user types, each with its price; under it, what the chosen model costs.
 */
export function ModelPicker({
  id,
  label,
  value,
  onChange,
  onFocus,
}: {
  id: string;
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  onFocus?: (element: HTMLInputElement) => void;
}) {
  const models = useModels();
  const listId = `${useId()}-models`;
  const chosen = models.data?.find((model) => model.id === value || `${model.provider}/${model.id}` === value);
  const note = !value
    ? `${models.data?.length ?? '…'} models available: type to search`
    : chosen
      ? `${chosen.provider} · ${priceOf(chosen)}`
      : models.data
        ? 'Not in this server’s list: it runs if a provider routes this id.'
        : '';
  return (
    <div className="field">
      {label}
      <input
        id={id}
        className="mono"
        list={listId}
        value={value}
        autoComplete="off"
        spellCheck={false}
        aria-describedby={`${id}-price`}
        onFocus={(event) => onFocus?.(event.target)}
        onChange={(event) => onChange(event.target.value)}
      />
      <datalist id={listId} data-testid="model-options">
        {(models.data ?? []).map((model) => (
          <option key={model.id} value={model.id} label={priceOf(model)} />
        ))}
      </datalist>
      <div className="help" id={`${id}-price`} data-testid="model-price">
        {note}
      </div>
    </div>
  );
}
