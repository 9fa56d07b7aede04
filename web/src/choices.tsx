import { useSession } from './use-session';
import { useLoad, type Loaded } from './hooks';

/** A stored thing offered in a select: a flow, an agent. */
export interface Named {
  id: string;
  name: string;
}

export function useFlowList(): Loaded<Named[]> {
  const { client } = useSession();
  return useLoad(async () => (await client.flows.list()).data, []);
}

export function useAgentList(): Loaded<Named[]> {
  const { client } = useSession();
  return useLoad(async () => (await client.agents.list()).data, []);
}

/**
 * A select of stored things. `empty` is the option with no value: always offered ("all", "choose…"), or with
 * `emptyOnlyWhenNone` only while there is nothing to choose ("Loading…" meanwhile).
 */
export function PickOne({
  id,
  label,
  value,
  items,
  onChange,
  empty,
  emptyOnlyWhenNone = false,
  className = 'field',
}: {
  id: string;
  label: string;
  value: string;
  items: Loaded<Named[]>;
  onChange: (value: string) => void;
  empty: string;
  emptyOnlyWhenNone?: boolean;
  className?: string;
}) {
  const list = items.data ?? [];
  const showEmpty = !emptyOnlyWhenNone || list.length === 0;
  return (
    <div className={className}>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        {showEmpty && <option value="">{emptyOnlyWhenNone && items.loading ? 'Loading…' : empty}</option>}
        {list.map((item) => (
          <option key={item.id} value={item.id}>
            {item.name}
          </option>
        ))}
      </select>
    </div>
  );
}
