import { useRef, useState, type ReactElement } from 'react';
import type { StepTypeInfo } from '@flowrun/client';
import type { EditorStep } from './flow-json';

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  default?: unknown;
  anyOf?: Schema[];
};

/** Fields that hold prose or code: a multi-line box, with template hints. */
const longText = /prompt|template|script|code|condition|message|text|body|valueTemplate/i;

/**
 * The form of one step: its name, id and switches, then its config's fields generated from the step type's JSON
 * Schema (GET /v1/step-types). Text fields offer the template variables in reach and insert them at the cursor.
 */
export function StepForm({
  step,
  info,
  hints,
  onChange,
}: {
  step: EditorStep;
  info: StepTypeInfo | undefined;
  hints: string[];
  onChange: (step: EditorStep) => void;
}) {
  const setConfig = (key: string, value: unknown) => {
    const config = { ...step.config };
    if (value === undefined || value === '') delete config[key];
    else config[key] = value;
    onChange({ ...step, config });
  };
  const { remember, insert } = useInsertAtCursor(setConfig);
  const schema = (info?.configSchema ?? { properties: {} }) as Schema;
  const properties = Object.entries(schema.properties ?? {}).filter(([key]) => !info?.branches.includes(key));
  const required = new Set(schema.required ?? []);
  const main = properties.filter(([key]) => required.has(key) || key in step.config || key === 'outputVariable');
  const more = properties.filter(([key]) => !main.some(([shown]) => shown === key));
  const field = ([key, property]: [string, Schema]) => (
    <ConfigField
      key={key}
      name={key}
      schema={property}
      required={required.has(key)}
      value={step.config[key]}
      onChange={(value) => setConfig(key, value)}
      onFocusText={(element) => remember(key, element)}
    />
  );
  return (
    <div className="step-form">
      <StepBasics step={step} onChange={onChange} />
      {main.map(field)}
      {more.length > 0 && (
        <details>
          <summary>
            More {step.type} options ({more.length})
          </summary>
          {more.map(field)}
        </details>
      )}
      <div className="hints" aria-label="Template variables">
        <span>Insert at the cursor:</span>
        {hints.map((hint) => (
          <button
            key={hint}
            type="button"
            className="secondary"
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => insert(hint)}
          >
            {hint}
          </button>
        ))}
      </div>
    </div>
  );
}

/** Name, id and the enabled switch: what every step has. */
function StepBasics({ step, onChange }: { step: EditorStep; onChange: (step: EditorStep) => void }) {
  return (
    <>
      <div className="split">
        <div className="field">
          <label htmlFor="step-name">Name</label>
          <input id="step-name" value={step.name ?? ''} onChange={(event) => onChange({ ...step, name: event.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="step-id">Id</label>
          <input
            id="step-id"
            className="mono"
            value={step.id ?? ''}
            onChange={(event) => onChange({ ...step, id: event.target.value || undefined })}
          />
        </div>
      </div>
      <label className="row">
        <input
          type="checkbox"
          checked={step.enabled !== false}
          onChange={(event) => onChange({ ...step, enabled: event.target.checked })}
        />{' '}
        Enabled
      </label>
    </>
  );
}

/** Remembers the text field last focused (and where its cursor was), and inserts a hint there. */
function useInsertAtCursor(setConfig: (key: string, value: unknown) => void) {
  const focused = useRef<{ key: string; element: HTMLInputElement | HTMLTextAreaElement } | null>(null);
  return {
    remember: (key: string, element: HTMLInputElement | HTMLTextAreaElement) => (focused.current = { key, element }),
    insert(hint: string) {
      const target = focused.current;
      if (!target) return;
      const { element, key } = target;
      const at = element.selectionStart ?? element.value.length;
      setConfig(key, element.value.slice(0, at) + hint + element.value.slice(element.selectionEnd ?? at));
      requestAnimationFrame(() => {
        element.focus();
        element.setSelectionRange(at + hint.length, at + hint.length);
      });
    },
  };
}

function kindOf(schema: Schema): string {
  const type = Array.isArray(schema.type) ? schema.type.find((entry) => entry !== 'null') : schema.type;
  if (schema.enum) return 'enum';
  if (type === 'string' || type === 'number' || type === 'integer' || type === 'boolean') return type;
  return 'json';
}

function ConfigField({
  name,
  schema,
  required,
  value,
  onChange,
  onFocusText,
}: {
  name: string;
  schema: Schema;
  required: boolean;
  value: unknown;
  onChange: (value: unknown) => void;
  onFocusText: (element: HTMLInputElement | HTMLTextAreaElement) => void;
}) {
  const id = `config-${name}`;
  const kind = kindOf(schema);
  const label = (
    <label htmlFor={id}>
      {name}
      {required && ' *'} {schema.description && <span className="hint">— {schema.description}</span>}
    </label>
  );
  if (kind === 'boolean')
    return (
      <label className="row" htmlFor={id}>
        <input id={id} type="checkbox" checked={value === true} onChange={(event) => onChange(event.target.checked)} /> {name}
      </label>
    );
  if (kind === 'enum')
    return (
      <div className="field">
        {label}
        <select id={id} value={value === undefined ? '' : String(value)} onChange={(event) => onChange(event.target.value || undefined)}>
          <option value="">{schema.default !== undefined ? `default (${String(schema.default)})` : '—'}</option>
          {schema.enum!.map((option) => (
            <option key={String(option)} value={String(option)}>
              {String(option)}
            </option>
          ))}
        </select>
      </div>
    );
  if (kind === 'number' || kind === 'integer')
    return (
      <div className="field">
        {label}
        <input
          id={id}
          type="number"
          step={kind === 'integer' ? 1 : 'any'}
          value={typeof value === 'number' ? value : ''}
          onChange={(event) => onChange(event.target.value === '' ? undefined : Number(event.target.value))}
        />
      </div>
    );
  if (kind === 'string') {
    const text = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
    return (
      <div className="field">
        {label}
        {longText.test(name) ? (
          <textarea
            id={id}
            rows={4}
            value={text}
            onFocus={(event) => onFocusText(event.target)}
            onChange={(event) => onChange(event.target.value)}
          />
        ) : (
          <input id={id} value={text} onFocus={(event) => onFocusText(event.target)} onChange={(event) => onChange(event.target.value)} />
        )}
      </div>
    );
  }
  return <JsonField id={id} label={label} value={value} onChange={onChange} />;
}

/** A JSON value edited as text: applied when it parses, the parse error shown otherwise. */
function JsonField({
  id,
  label,
  value,
  onChange,
}: {
  id: string;
  label: ReactElement;
  value: unknown;
  onChange: (value: unknown) => void;
}) {
  const [text, setText] = useState(value === undefined ? '' : JSON.stringify(value, null, 2));
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="field">
      {label}
      <textarea
        id={id}
        rows={3}
        value={text}
        aria-invalid={error !== null}
        onChange={(event) => {
          setText(event.target.value);
          if (event.target.value.trim() === '') {
            setError(null);
            onChange(undefined);
            return;
          }
          try {
            onChange(JSON.parse(event.target.value));
            setError(null);
          } catch (caught) {
            setError((caught as Error).message);
          }
        }}
      />
      {error && <span className="inline-error">Not JSON yet: {error}</span>}
    </div>
  );
}
