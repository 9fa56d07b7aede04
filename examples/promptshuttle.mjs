// A PromptShuttle-style script, plain fetch as PromptShuttle's own examples are: a flow of [[param]] templates
// addressed by its slug, run with parameters, then feedback on the answer.
//   FLOWRUN_URL=http://127.0.0.1:8787 FLOWRUN_API_KEY=tv_test_… node examples/promptshuttle.mjs
const base = `${process.env.FLOWRUN_URL ?? 'http://127.0.0.1:8787'}/api/v1`;
const headers = { Authorization: `Bearer ${process.env.FLOWRUN_API_KEY}`, 'Content-Type': 'application/json' };
const llm = process.env.FLOWRUN_MODEL ?? 'flowrun/echo';

async function call(method, path, body) {
  const response = await fetch(`${base}${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
  const answer = await response.json();
  if (!response.ok && response.status !== 404) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
  return { status: response.status, answer };
}

// The flow, created once (its slug names it from then on).
if ((await call('GET', '/flows/product_copy')).status === 404) {
  await call('POST', '/flows', {
    name: 'Product copy',
    slug: 'product_copy',
    templates: [
      { name: 'main', template: 'You write short product copy.', userTemplate: 'Describe [[product_name]] in a [[tone]] tone.', llm },
    ],
  });
}
// Parameter discovery: every [[token]] the flow's templates use.
const parameters = (await call('GET', '/flows/product_copy/parameters')).answer;
console.log('parameters:', parameters.map((parameter) => parameter.token).join(', '));

const { answer: run } = await call('POST', '/flows/product_copy/runs', {
  parameters: { product_name: 'Smart Water Bottle', tone: 'playful' },
  tags: ['example'],
});
console.log('answer:', run.responses[0].textResponse);
console.log(`run ${run.id}: ${run.usage.tokensIn} tokens in, ${run.usage.tokensOut} out, ${run.creditsUsed} credits`);

await call('POST', '/feedback', { shuttleRequestId: run.id, score: 1, text: 'Nice', endUserId: 'example' });
console.log('feedback sent');
