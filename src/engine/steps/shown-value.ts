/**
 * A rendered value as an error message may quote it: not when its template names a secret (the redactor knows a
 * secret's own spellings, not one escaped inside JSON), so the message never carries one.
 */
export function shown(template: unknown, value: string): string {
  return /secret/i.test(JSON.stringify(template) ?? '') ? 'a value that holds a secret' : JSON.stringify(value.slice(0, 100));
}
