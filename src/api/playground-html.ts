const exampleBody = {
  record: { name: 'Playground', type: 'standalone', metadata: { message: 'Hello from the Flowrun playground' } },
  flow: {
    name: 'Echo flow',
    steps: [
      {
        id: 'step_1',
        name: 'Prompt 1',
        type: 'prompt',
        enabled: true,
        config: {
          model: 'flowrun/echo',
          userPrompt: '{{_record.metadata.message}}',
          responseFormat: 'markdown',
          outputVariable: 'prompt_result',
        },
      },
    ],
  },
  options: { streamResponse: true, recordMode: 'virtual', flowMode: 'virtual' },
};

/** The first page a new user sees: paste a key and a dispatch body, press Run, watch the stream. */
export const playgroundHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Flowrun playground</title>
<style>
  :root { color-scheme: light dark; --border: #8884; --accent: #4f46e5; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, sans-serif; }
  header { padding: 12px 20px; border-bottom: 1px solid var(--border); display: flex; gap: 12px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  header span { opacity: .7; }
  main { display: grid; grid-template-columns: minmax(320px, 1fr) minmax(320px, 1fr); gap: 16px; padding: 16px 20px; }
  label { display: block; font-weight: 600; margin: 8px 0 4px; }
  input, select, textarea { width: 100%; font: 13px ui-monospace, monospace; padding: 8px; border: 1px solid var(--border); border-radius: 6px; background: transparent; color: inherit; }
  textarea { min-height: 420px; resize: vertical; }
  .row { display: flex; gap: 8px; align-items: end; }
  .row > div { flex: 1; }
  button { font: inherit; padding: 8px 18px; border: 0; border-radius: 6px; background: var(--accent); color: white; cursor: pointer; }
  button:disabled { opacity: .5; cursor: default; }
  #events { height: 360px; overflow: auto; overflow-wrap: anywhere; border: 1px solid var(--border); border-radius: 6px; padding: 8px; font: 12px ui-monospace, monospace; white-space: pre-wrap; }
  #events .event { border-bottom: 1px dashed var(--border); padding: 2px 0; }
  #events .type { color: var(--accent); font-weight: 700; }
  #output { min-height: 120px; overflow-wrap: anywhere; border: 1px solid var(--border); border-radius: 6px; padding: 8px; white-space: pre-wrap; }
  #status { margin-left: 8px; opacity: .8; }
  .error { color: #dc2626; }
</style>
</head>
<body>
<header><h1>Flowrun</h1><span>playground: POST /v1/dispatch and watch the events stream</span></header>
<main>
  <section>
    <div class="row">
      <div><label for="key">API key</label><input id="key" type="password" placeholder="tv_test_… (npx flowrun keys create)" autocomplete="off"></div>
      <div style="flex:0 0 150px"><label for="dialect">Events</label>
        <select id="dialect"><option value="">default</option><option>runtype</option><option>unified</option><option>travrse</option></select></div>
    </div>
    <label for="body">Dispatch body</label>
    <textarea id="body" spellcheck="false"></textarea>
    <p><button id="run">Run</button><span id="status"></span></p>
  </section>
  <section>
    <label>Events</label>
    <div id="events" aria-live="polite"></div>
    <label>Final output</label>
    <div id="output"></div>
  </section>
</main>
<script>
const $ = (id) => document.getElementById(id);
$('body').value = ${JSON.stringify(JSON.stringify(exampleBody, null, 2))};
$('key').value = localStorage.getItem('flowrun.key') || '';
function addEvent(type, data) {
  const row = document.createElement('div');
  row.className = 'event';
  const label = document.createElement('span');
  label.className = 'type';
  label.textContent = type + ' ';
  row.append(label, document.createTextNode(data));
  $('events').append(row);
  $('events').scrollTop = $('events').scrollHeight;
}
function handle(type, raw) {
  addEvent(type, raw);
  let data; try { data = JSON.parse(raw); } catch { return; }
  if (type === 'step_delta' || type === 'text_delta' || type === 'step_chunk') $('output').textContent += data.text ?? data.delta ?? data.content ?? '';
  if (type === 'flow_complete' || type === 'execution_complete') { $('output').textContent = typeof data.finalOutput === 'string' ? data.finalOutput : JSON.stringify(data.finalOutput, null, 2); $('status').textContent = 'completed'; }
  if (type === 'flow_error' || type === 'execution_error' || type === 'step_error') { $('status').textContent = 'failed'; $('status').className = 'error'; }
}
$('run').addEventListener('click', async () => {
  const key = $('key').value.trim();
  localStorage.setItem('flowrun.key', key);
  $('events').textContent = ''; $('output').textContent = ''; $('status').textContent = 'running…'; $('status').className = '';
  $('run').disabled = true;
  try {
    const dialect = $('dialect').value;
    const response = await fetch('/v1/dispatch' + (dialect ? '?events=' + dialect : ''), {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + key }, body: $('body').value,
    });
    const type = response.headers.get('content-type') || '';
    if (!type.includes('text/event-stream')) {
      const text = await response.text();
      addEvent('HTTP ' + response.status, text);
      if (response.ok) { try { const json = JSON.parse(text); $('output').textContent = typeof json.finalOutput === 'string' ? json.finalOutput : JSON.stringify(json.finalOutput, null, 2); } catch {} $('status').textContent = 'done'; }
      else { $('status').textContent = 'error ' + response.status; $('status').className = 'error'; }
      return;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let index;
      while ((index = buffer.indexOf('\\n\\n')) >= 0) {
        const block = buffer.slice(0, index); buffer = buffer.slice(index + 2);
        let event = 'message'; const data = [];
        for (const line of block.split('\\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length) handle(event, data.join('\\n'));
      }
    }
  } catch (error) {
    $('status').textContent = String(error); $('status').className = 'error';
  } finally {
    $('run').disabled = false;
  }
});
</script>
</body>
</html>
`;
