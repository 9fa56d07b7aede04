/**
 * Why an MCP request failed, in words a user can act on and with no credential of a URL in them; `status` is
 * the HTTP status the server answered, when that was the failure.
 */
export class McpFailure extends Error {
  override readonly name = 'McpFailure';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }

  static isInstance(value: unknown): value is McpFailure {
    return value instanceof McpFailure;
  }
}
