import { useRef, useState, type ReactElement, type ReactNode } from 'react';
import type { StepTypeInfo } from '@flowrun/client';
import type { EditorStep } from './flow-json';
import { fieldLabel } from './field-label';
import { ModelPicker } from './model-picker';

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

/** A config field's label (a human name, not the key) and, under the input, its help from the schema's description. */
function FieldShell({
  id,
  label,
  required,
  help,
  children,
}: {
  id: string;
  label: ReactElement | string;
  required: boolean;
  help: string | undefined;
  children: ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {required && <span aria-label="required"> *</span>}
      </label>
      {children}
      {help && (
        <div className="help" id={`${id}-help`}>
          {help}
        </div>
      )}
    </div>
  );
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
  const label = fieldLabel(name);
  const shell = { id, label, required, help: schema.description };
  const described = schema.description ? `${id}-help` : undefined;
  if (kind === 'boolean')
    return (
      <div className="field">
        <label className="row" htmlFor={id}>
          <input
            id={id}
            type="checkbox"
            checked={value === true}
            aria-describedby={described}
            onChange={(event) => onChange(event.target.checked)}
          />{' '}
          {label}
        </label>
        {schema.description && (
          <div className="help" id={`${id}-help`}>
            {schema.description}
          </div>
        )}
      </div>
    );
  if (kind === 'enum')
    return (
      <FieldShell {...shell}>
        <select
          id={id}
          aria-describedby={described}
          value={value === undefined ? '' : String(value)}
          onChange={(event) => onChange(event.target.value || undefined)}
        >
          <option value="">{schema.default !== undefined ? `default (${String(schema.default)})` : '—'}</option>
          {schema.enum!.map((option) => (
            <option key={String(option)} value={String(option)}>
              {String(option)}
            </option>
          ))}
        </select>
      </FieldShell>
    );
  if (kind === 'number' || kind === 'integer')
    return (
      <FieldShell {...shell}>
        <input
          id={id}
          type="number"
          aria-describedby={described}
          step={kind === 'integer' ? 1 : 'any'}
          placeholder={schema.default !== undefined ? `default ${String(schema.default)}` : undefined}
          value={typeof value === 'number' ? value : ''}
          onChange={(event) => onChange(event.target.value === '' ? undefined : Number(event.target.value))}
        />
      </FieldShell>
    );
  if (kind === 'string') return <TextField shell={shell} name={name} value={value} onChange={onChange} onFocusText={onFocusText} />;
  return <JsonField shell={shell} value={value} onChange={onChange} />;
}

type Shell = { id: string; label: string; required: boolean; help: string | undefined };

/** A text field: the model picker for `model`, a multi-line box for prose and code, else one line. */
function TextField({
  shell,
  name,
  value,
  onChange,
  onFocusText,
}: {
  shell: Shell;
  name: string;
  value: unknown;
  onChange: (value: unknown) => void;
  onFocusText: (element: HTMLInputElement | HTMLTextAreaElement) => void;
}) {
  const { id } = shell;
  const text = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  if (name === 'model')
    return (
      <ModelPicker
        id={id}
        label={
          <label htmlFor={id}>
            {shell.label}
            {shell.required && ' *'}
          </label>
        }
        value={text}
        onChange={(model) => onChange(model)}
        onFocus={onFocusText}
      />
    );
  const described = shell.help ? `${id}-help` : undefined;
  return (
    <FieldShell {...shell}>
      {longText.test(name) ? (
        <textarea
          id={id}
          rows={4}
          aria-describedby={described}
          value={text}
          onFocus={(event) => onFocusText(event.target)}
          onChange={(event) => onChange(event.target.value)}
        />
      ) : (
        <input
          id={id}
          aria-describedby={described}
          value={text}
          onFocus={(event) => onFocusText(event.target)}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    </FieldShell>
  );
}

/** A JSON value edited as text: applied when it parses, the parse error shown otherwise. */
function JsonField({ shell, value, onChange }: { shell: Shell; value: unknown; onChange: (value: unknown) => void }) {
  const { id } = shell;
  const [text, setText] = useState(value === undefined ? '' : JSON.stringify(value, null, 2));
  const [error, setError] = useState<string | null>(null);
  return (
    <FieldShell {...shell}>
      <textarea
        id={id}
        rows={3}
        className="mono"
        placeholder="JSON"
        aria-describedby={shell.help ? `${id}-help` : undefined}
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
    </FieldShell>
  );
}
