// A paced OpenAI-compatible model server for the streaming benchmarks: each answer starts after a time to first
// token, then streams `tokens` chunks at `tokensPerSecond`, then the finish and usage chunks and `[DONE]`, as
// OpenAI's chat completions do. One ticker drives every open stream (thousands of streams, not thousands of
// timers). Each token's text is `t<epoch ms> ` written the moment the chunk is sent, so the client that reads the
// frame Flowrun makes of it knows how long the chunk took to arrive.
import { createServer } from 'node:http';

const [ttftMs, tokensPerSecond, tokens] = (process.env.BENCH_PACE ?? '300,40,150').split(',').map(Number);
const tickMs = 5;
const streams = new Set();
const now = () => performance.timeOrigin + performance.now();
const frame = (body) => `data: ${JSON.stringify(body)}\n\n`;

function chunk(model, delta, finish = null) {
  return frame({
    id: 'chatcmpl-paced',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
}

const server = createServer((request, response) => {
  const parts = [];
  request.on('data', (part) => parts.push(part));
  request.on('end', () => {
    const body = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}');
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    response.write(chunk(body.model, { role: 'assistant', content: '' }));
    const start = now();
    const stream = { response, model: body.model, sent: 0, start };
    streams.add(stream);
    response.on('close', () => streams.delete(stream));
  });
});

setInterval(() => {
  const at = now();
  for (const stream of streams) {
    const due = Math.min(tokens, Math.floor(((at - stream.start - ttftMs) * tokensPerSecond) / 1000) + 1);
    if (at - stream.start < ttftMs || due <= stream.sent) continue;
    let text = '';
    for (; stream.sent < due; stream.sent++) text += chunk(stream.model, { content: `t${now().toFixed(1)} ` });
    if (stream.sent === tokens) {
      text += chunk(stream.model, {}, 'stop');
      text += frame({
        id: 'chatcmpl-paced',
        object: 'chat.completion.chunk',
        created: 1_700_000_000,
        model: stream.model,
        choices: [],
        usage: { prompt_tokens: 20, completion_tokens: tokens, total_tokens: 20 + tokens },
      });
      text += 'data: [DONE]\n\n';
      streams.delete(stream);
      stream.response.end(text);
    } else stream.response.write(text);
  }
}, tickMs);

server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
