/**
 * A JSON Schema (as `z.toJSONSchema` writes it) as a TypeScript type. It covers what the API's schemas use:
 * objects (required and optional properties, closed or with extra fields, records), arrays and tuples, enums and
 * constants, unions (`anyOf`, `oneOf`, a list of types, so `nullable`), intersections (`allOf`), local `$ref`s, and
 * `{}` as `unknown`. Anything else is `unknown`: a client type may be wider than the schema, never narrower.
 */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema | JsonSchema[];
  prefixItems?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  description?: string;
}

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The type of `schema`; `refName` names the type a `$ref` points to (`#/$defs/X` → `X`). */
export function typeOfSchema(schema: JsonSchema | boolean, refName: (ref: string) => string = (ref) => ref.split('/').pop()!): string {
  const typeOf = (inner: JsonSchema | boolean) => typeOfSchema(inner, refName);
  if (schema === true) return 'unknown';
  if (schema === false) return 'never';
  if (schema.$ref) return refName(schema.$ref);
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return union(schema.enum.map((value) => JSON.stringify(value)));
  if (schema.anyOf ?? schema.oneOf) return union((schema.anyOf ?? schema.oneOf)!.map(typeOf));
  if (schema.allOf) return schema.allOf.map((part) => `(${typeOf(part)})`).join(' & ');
  if (Array.isArray(schema.type)) return union(schema.type.map((type) => typeOf({ ...schema, type })));
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return arrayType(schema, typeOf);
    case 'object':
      return objectType(schema, typeOf);
    default:
      return 'unknown';
  }
}

function union(members: string[]): string {
  const unique = [...new Set(members)];
  if (unique.includes('unknown')) return 'unknown';
  // `&` binds tighter than `|`, and arrays of anything but a name are `Array<…>`: no member needs parentheses.
  return unique.length === 0 ? 'never' : unique.join(' | ');
}

function arrayType(schema: JsonSchema, typeOf: (inner: JsonSchema | boolean) => string): string {
  const tuple = schema.prefixItems ?? (Array.isArray(schema.items) ? schema.items : undefined);
  if (tuple) return `[${tuple.map(typeOf).join(', ')}]`;
  const item = typeOf((schema.items as JsonSchema | undefined) ?? true);
  return /^[\w.]+$/.test(item) ? `${item}[]` : `Array<${item}>`;
}

function objectType(schema: JsonSchema, typeOf: (inner: JsonSchema | boolean) => string): string {
  const required = new Set(schema.required ?? []);
  const members = Object.entries(schema.properties ?? {}).map(([key, property]) => {
    const name = identifier.test(key) ? key : JSON.stringify(key);
    return `${docOf(property)}${name}${required.has(key) ? '' : '?'}: ${typeOf(property)};`;
  });
  const extra = schema.additionalProperties;
  if (members.length === 0) return extra === false ? 'Record<string, never>' : `Record<string, ${typeOf(extra ?? true)}>`;
  // Extra fields (a loose object) are readable as unknown; a closed or stripped object's listed fields are all it has.
  if (extra !== undefined && extra !== false) members.push('[field: string]: unknown;');
  return `{\n${members.join('\n')}\n}`;
}

/** A schema's description as a doc comment. */
export function docOf(schema: JsonSchema | boolean): string {
  if (typeof schema === 'boolean' || !schema.description) return '';
  return `/** ${schema.description.replaceAll('*/', '*\\/')} */\n`;
}
