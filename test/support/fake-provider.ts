import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted model server on 127.0.0.1 speaking the real wire protocols: OpenAI chat completions
 * (`/v1/chat/completions`, SSE chunks with text deltas, tool-call deltas split across chunks and a usage
 * chunk) and Anthropic messages (`/v1/messages`, the typed SSE events). Tests script replies per request.
 */
export type FakeReply =
  | {
      kind?: 'stream';
      chunks?: string[];
      text?: string;
      toolCalls?: Array<{ id: string; name: string; arguments: string }>;
      /** Reasoning streamed before the answer (Anthropic's thinking blocks). */
      thinking?: string[];
      usage?: { input: number; output: number; reasoning?: number };
      finishReason?: string;
      /** Milliseconds to wait before each chunk. */
      delayMs?: number;
      /** Close the connection after this many chunks, without finishing. */
      dropAfter?: number;
    }
  | { kind: 'error'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'hang' };

export interface FakeRequest {
  protocol: 'openai' | 'anthropic';
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** The model id the client asked for. */
  model: string;
  /** The text of the last user message. */
  lastUserText: string;
  /** When the request arrived (epoch ms). */
  receivedAt: number;
  /** Set once the reply was sent in full (false while streaming, or when the client went away first). */
  completed?: boolean;
}

export interface FakeProvider {
  url: string;
  requests: FakeRequest[];
  script(handler: (request: FakeRequest, index: number) => FakeReply): void;
  reset(): void;
  close(): Promise<void>;
}

/** A 1×1 transparent PNG. */
export const onePixelPng = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

const defaultHandler = (request: FakeRequest): FakeReply => ({ chunks: ['Hello', ' from', ` ${request.model}.`] });

export async function startFakeProvider(): Promise<FakeProvider> {
  let handler: (request: FakeRequest, index: number) => FakeReply = defaultHandler;
  const requests: FakeRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer(async (incoming, response) => {
    const raw = await readBody(incoming);
    const body = JSON.parse(raw || '{}') as Record<string, unknown>;
    const path = incoming.url ?? '';
    const protocol = path.endsWith('/messages') ? 'anthropic' : 'openai';
    const request: FakeRequest = {
      protocol,
      path,
      headers: incoming.headers,
      body,
      model: String(body.model),
      lastUserText: lastUserText(body),
      receivedAt: Date.now(),
    };
    requests.push(request);
    if (path.endsWith('/images/generations')) {
      // OpenAI's image API: one tiny PNG per image asked for, as base64.
      const count = Number(body.n ?? 1);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ created: 1, data: Array.from({ length: count }, () => ({ b64_json: onePixelPng })) }));
      return;
    }
    const reply = handler(request, requests.length - 1);
    if (reply.kind === 'hang') return;
    if (reply.kind === 'error') {
      response.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
      response.end(JSON.stringify(reply.body ?? { error: { message: `fake error ${reply.status}`, type: 'fake_error' } }));
      return;
    }
    if (protocol === 'anthropic') await streamAnthropic(response, request, reply);
    else if (body.stream === true) await streamOpenAI(response, request, reply);
    else completeOpenAI(response, request, reply);
    response.once('finish', () => (request.completed = true));
    if (response.writableFinished) request.completed = true;
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(next) {
      handler = next;
    },
    reset() {
      handler = defaultHandler;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    request.on('error', reject);
  });
}

function lastUserText(body: Record<string, unknown>): string {
  const messages = (body.messages as Array<{ role: string; content: unknown }> | undefined) ?? [];
  const last = [...messages].reverse().find((message) => message.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  return (last.content as Array<{ text?: string }>).map((part) => part.text ?? '').join('');
}

function chunksOf(reply: Extract<FakeReply, { kind?: 'stream' }>): string[] {
  return reply.chunks ?? (reply.text !== undefined ? [reply.text] : []);
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes the reply's text chunks (after `delayMs` each); false when `dropAfter` cut the connection. */
async function streamChunks(
  response: ServerResponse,
  reply: Extract<FakeReply, { kind?: 'stream' }>,
  sendChunk: (chunk: string) => void,
): Promise<boolean> {
  let sent = 0;
  for (const chunk of chunksOf(reply)) {
    if (reply.delayMs) await wait(reply.delayMs);
    if (reply.dropAfter !== undefined && sent >= reply.dropAfter) {
      await wait(50); // let what was written reach the client first
      response.destroy();
      return false;
    }
    sendChunk(chunk);
    sent++;
  }
  return true;
}

async function streamOpenAI(response: ServerResponse, request: FakeRequest, reply: Extract<FakeReply, { kind?: 'stream' }>): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1_700_000_000, model: request.model };
  const send = (payload: unknown) => response.write(`data: ${JSON.stringify(payload)}\n\n`);
  send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
  if (
    !(await streamChunks(response, reply, (chunk) =>
      send({ ...base, choices: [{ index: 0, delta: { content: chunk }, finish_reason: null }] }),
    ))
  )
    return;
  for (const [index, call] of (reply.toolCalls ?? []).entries()) {
    // Arguments arrive split across chunks, as OpenAI sends them.
    const half = Math.ceil(call.arguments.length / 2);
    send({
      ...base,
      choices: [
        {
          index: 0,
          delta: { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] },
          finish_reason: null,
        },
      ],
    });
    send({
      ...base,
      choices: [
        { index: 0, delta: { tool_calls: [{ index, function: { arguments: call.arguments.slice(0, half) } }] }, finish_reason: null },
      ],
    });
    send({
      ...base,
      choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: call.arguments.slice(half) } }] }, finish_reason: null }],
    });
  }
  const finish = reply.finishReason ?? (reply.toolCalls?.length ? 'tool_calls' : 'stop');
  send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] });
  const usage = reply.usage ?? { input: 12, output: 5 };
  send({
    ...base,
    choices: [],
    usage: {
      prompt_tokens: usage.input,
      completion_tokens: usage.output,
      total_tokens: usage.input + usage.output,
      completion_tokens_details: { reasoning_tokens: usage.reasoning ?? 0 },
    },
  });
  response.write('data: [DONE]\n\n');
  response.end();
}

function completeOpenAI(response: ServerResponse, request: FakeRequest, reply: Extract<FakeReply, { kind?: 'stream' }>): void {
  const usage = reply.usage ?? { input: 12, output: 5 };
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: request.model,
      choices: [
        { index: 0, message: { role: 'assistant', content: chunksOf(reply).join('') }, finish_reason: reply.finishReason ?? 'stop' },
      ],
      usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
    }),
  );
}

async function streamAnthropic(
  response: ServerResponse,
  request: FakeRequest,
  reply: Extract<FakeReply, { kind?: 'stream' }>,
): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (type: string, payload: Record<string, unknown>) =>
    response.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`);
  const usage = reply.usage ?? { input: 12, output: 5 };
  send('message_start', {
    message: {
      id: 'msg_fake',
      type: 'message',
      role: 'assistant',
      model: request.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: usage.input, output_tokens: 1 },
    },
  });
  const first = reply.thinking?.length ? 1 : 0;
  if (reply.thinking?.length) {
    send('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '' } });
    for (const thought of reply.thinking) send('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: thought } });
    send('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'sig' } });
    send('content_block_stop', { index: 0 });
  }
  send('content_block_start', { index: first, content_block: { type: 'text', text: '' } });
  send('ping', {});
  if (
    !(await streamChunks(response, reply, (chunk) =>
      send('content_block_delta', { index: first, delta: { type: 'text_delta', text: chunk } }),
    ))
  )
    return;
  send('content_block_stop', { index: first });
  for (const [offset, call] of (reply.toolCalls ?? []).entries()) {
    const index = offset + 1 + first;
    const half = Math.ceil(call.arguments.length / 2);
    send('content_block_start', { index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } });
    send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: call.arguments.slice(0, half) } });
    send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: call.arguments.slice(half) } });
    send('content_block_stop', { index });
  }
  send('message_delta', {
    delta: { stop_reason: reply.finishReason ?? (reply.toolCalls?.length ? 'tool_use' : 'end_turn'), stop_sequence: null },
    usage: { output_tokens: usage.output },
  });
  send('message_stop', {});
  response.end();
}
