// A plain HTML chat page that streams from a flow, and the few lines of server it needs: it serves the page and
// forwards /api/chat to Flowrun with the key, which stays on the server (as the Travrse docs advise).
//   FLOWRUN_URL=http://127.0.0.1:8787 FLOWRUN_API_KEY=tv_test_… node examples/chat/server.mjs   → http://127.0.0.1:3000
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const flowrun = process.env.FLOWRUN_URL ?? 'http://127.0.0.1:8787';
const page = readFileSync(new URL('./index.html', import.meta.url));
const model = process.env.FLOWRUN_MODEL ?? 'flowrun/echo';

const server = createServer(async (request, response) => {
  if (request.method === 'GET' && (request.url === '/' || request.url === '/index.html')) {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return response.end(page);
  }
  if (request.method !== 'POST' || request.url !== '/api/chat') {
    response.writeHead(404);
    return response.end();
  }
  let raw = '';
  for await (const chunk of request) raw += chunk;
  const { messages } = JSON.parse(raw || '{}');
  // A one-step flow over the conversation; the unified vocabulary streams text_delta frames.
  const upstream = await fetch(`${flowrun}/v1/dispatch?events=unified`, {
    method: 'POST',
    headers: { authorization: `Bearer ${process.env.FLOWRUN_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      flow: {
        name: 'Chat',
        steps: [
          { id: 'reply', type: 'prompt', name: 'Reply', config: { model, systemPrompt: 'Be brief and kind.', userPrompt: '{{question}}' } },
        ],
      },
      inputs: { question: messages?.at(-1)?.content ?? '' },
      options: { streamResponse: true, flowMode: 'virtual', recordMode: 'virtual' },
    }),
  });
  response.writeHead(upstream.status, {
    'content-type': upstream.headers.get('content-type') ?? 'text/event-stream',
    'cache-control': 'no-store',
  });
  for await (const chunk of upstream.body) response.write(chunk);
  response.end();
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`chat example on http://127.0.0.1:${server.address().port}`);
});
