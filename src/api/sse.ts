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

/** A stream with frames waiting to be written at the end of this turn of the event loop. */
interface Pending {
  response: ServerResponse;
  text: string;
}

const waiting = new Set<Pending>();
let flushScheduled = false;

/**
 * Writes every stream's waiting frames, one write each: the frames a turn of the event loop produced for a
 * stream (a commit announces a run's deltas together, one frame each) go out in one `writev` instead of one each.
 */
function flushWaiting(): void {
  flushScheduled = false;
  for (const pending of waiting) {
    const { text } = pending;
    pending.text = '';
    if (text !== '' && !pending.response.writableEnded) pending.response.write(text);
  }
  waiting.clear();
}

function queueWrite(pending: Pending, text: string): void {
  pending.text += text;
  waiting.add(pending);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushWaiting);
  }
}

/** Writes what waits for `pending` now (before the stream ends, or a heartbeat). */
function writeNow(pending: Pending): void {
  if (pending.text === '') return;
  const { text } = pending;
  pending.text = '';
  waiting.delete(pending);
  pending.response.write(text);
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
  const pending: Pending = { response, text: '' };
  const heartbeat = setInterval(() => {
    if (closed) return;
    writeNow(pending);
    if (ping) response.write(`event: agent_ping\ndata: ${JSON.stringify(ping())}\n\n`);
    else response.write(': ping\n\n');
  }, heartbeatMs);
  heartbeat.unref();
  response.on('close', () => {
    openStreams--;
    closed = true;
    waiting.delete(pending);
    clearInterval(heartbeat);
  });
  return {
    send(frame) {
      if (closed) return;
      queueWrite(pending, `event: ${frame.event}\nid: ${frame.id}\ndata: ${JSON.stringify(frame.data)}\n\n`);
    },
    comment(text) {
      if (!closed) queueWrite(pending, `: ${text.replace(/\n/g, ' ')}\n\n`);
    },
    end() {
      clearInterval(heartbeat);
      if (!closed) {
        writeNow(pending);
        response.end();
      }
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
