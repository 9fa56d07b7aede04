import type { ServerResponse } from 'node:http';
import type { WireFrame } from './wire/dialect.js';

let openStreams = 0;
/** Server-Sent Event streams open in this process (a metrics gauge). */
export const openSseCount = (): number => openStreams;

/** Writes Server-Sent Events on a hijacked response: `event:`, `id:`, `data:` and a blank line per frame. */
export interface SseStream {
  send(frame: WireFrame): void;
  comment(text: string): void;
  end(): void;
  readonly closed: boolean;
}

/**
 * `ping`, when given, is what a heartbeat sends instead of a `: ping` comment: an agent stream in Runtype's
 * vocabulary gets `agent_ping` frames. They carry no `id:` line, so a client's Last-Event-ID is never a ping.
 */
export function openSse(
  response: ServerResponse,
  heartbeatMs: number,
  headers: Record<string, string> = {},
  ping?: () => Record<string, unknown>,
): SseStream {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    ...headers,
  });
  response.flushHeaders();
  openStreams++;
  let closed = false;
  const heartbeat = setInterval(() => {
    if (closed) return;
    if (ping) response.write(`event: agent_ping\ndata: ${JSON.stringify(ping())}\n\n`);
    else response.write(': ping\n\n');
  }, heartbeatMs);
  heartbeat.unref();
  response.on('close', () => {
    openStreams--;
    closed = true;
    clearInterval(heartbeat);
  });
  return {
    send(frame) {
      if (closed) return;
      response.write(`event: ${frame.event}\nid: ${frame.id}\ndata: ${JSON.stringify(frame.data)}\n\n`);
    },
    comment(text) {
      if (!closed) response.write(`: ${text.replace(/\n/g, ' ')}\n\n`);
    },
    end() {
      clearInterval(heartbeat);
      if (!closed) response.end();
      closed = true;
    },
    get closed() {
      return closed;
    },
  };
}

/** The heartbeat of an agent stream in Runtype's vocabulary: `agent_ping` with the last sequence number sent. */
export function agentPing(executionId: string, lastSeq: () => number): () => Record<string, unknown> {
  return () => ({ type: 'agent_ping', executionId, seq: lastSeq(), timestamp: new Date().toISOString() });
}
