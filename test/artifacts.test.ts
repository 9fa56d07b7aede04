import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSse, startHarness, type Harness } from './support/harness.js';
import { toolResultsIn } from './support/fake-scripts.js';
import { validateRuntypeFrame } from './support/runtype-schema.js';

/** Agents with `artifacts` get a create_artifact tool; artifacts stream as artifact frames and are kept with the run. */
let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());

const report = `## Weekly report\n\n${'Revenue grew 12% week over week. '.repeat(30)}`;

test('an agent makes a markdown and a component artifact: streamed, valid, and listed with the run', async () => {
  harness.fake.script((request) =>
    toolResultsIn(request).length === 0
      ? {
          toolCalls: [
            {
              id: 'c_doc',
              name: 'create_artifact',
              arguments: JSON.stringify({ artifactType: 'markdown', title: 'Weekly report', content: report }),
            },
            {
              id: 'c_card',
              name: 'create_artifact',
              arguments: JSON.stringify({
                artifactType: 'component',
                title: 'Revenue',
                component: 'MetricCard',
                props: { label: 'Revenue', value: '$1.2M' },
              }),
            },
          ],
        }
      : {
          text: `made ${toolResultsIn(request)
            .map((result) => result.content)
            .join(', ')}`,
        },
  );
  const body = {
    agent: { name: 'Analyst', model: 'gpt-4o', artifacts: { enabled: true, types: ['markdown', 'component'] } },
    messages: [{ role: 'user', content: 'report on revenue' }],
  };
  const unified = await readSse(await harness.dispatch(body, { query: 'events=unified' }));
  const offered = (harness.fake.requests[0]!.body.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name);
  assert.deepEqual(offered, ['create_artifact']);
  const frames = unified.filter((event) => event.event.startsWith('artifact_'));
  assert.deepEqual(
    frames.map((event) => event.event).filter((name, index, all) => all.indexOf(name) === index),
    ['artifact_start', 'artifact_delta', 'artifact_complete', 'artifact_update'],
  );
  const streamed = frames
    .filter((event) => event.event === 'artifact_delta' && event.data.id === 'artifact_c_doc')
    .map((event) => event.data.delta)
    .join('');
  assert.equal(streamed, report, 'the markdown arrives whole, in pieces');
  assert.ok(frames.filter((event) => event.event === 'artifact_delta').length > 1);
  const update = frames.find((event) => event.event === 'artifact_update')!;
  assert.deepEqual([update.data.component, update.data.props], ['MetricCard', { label: 'Revenue', value: '$1.2M' }]);

  const executionId = String(unified[0]!.data.executionId);
  const listed = (await (
    await fetch(`${harness.baseUrl}/v1/executions/${executionId}/artifacts`, { headers: { authorization: `Bearer ${harness.key}` } })
  ).json()) as { data: Array<Record<string, unknown>> };
  assert.deepEqual(
    listed.data.map((artifact) => [artifact.id, artifact.artifactType, artifact.title, artifact.complete]),
    [
      ['artifact_c_doc', 'markdown', 'Weekly report', true],
      ['artifact_c_card', 'component', 'Revenue', true],
    ],
  );
  assert.equal(listed.data[0]!.content, report);
  assert.deepEqual(listed.data[1]!.props, { label: 'Revenue', value: '$1.2M' });

  // Runtype's own vocabulary carries the same frames, valid against its schema.
  const runtype = await readSse(
    await fetch(`${harness.baseUrl}/v1/executions/${executionId}/events?events=runtype`, {
      headers: { authorization: `Bearer ${harness.key}` },
    }),
  );
  const artifactFrames = runtype.filter((event) => event.event.startsWith('artifact_'));
  assert.equal(artifactFrames.length, frames.length);
  for (const event of artifactFrames) assert.equal(validateRuntypeFrame(event.data), null, JSON.stringify(event.data));
});

test('an artifact type the agent does not make is refused to the model, not created', async () => {
  harness.fake.reset();
  harness.fake.script((request) =>
    toolResultsIn(request).length === 0
      ? { toolCalls: [{ id: 'c1', name: 'create_artifact', arguments: '{"artifactType":"component","title":"x","component":"Chart"}' }] }
      : { text: toolResultsIn(request)[0]!.content },
  );
  const result = (await (
    await harness.dispatch({
      agent: { name: 'Writer', model: 'gpt-4o', artifacts: { enabled: true } },
      messages: [{ role: 'user', content: 'chart it' }],
      options: { streamResponse: false },
    })
  ).json()) as { finalOutput: string };
  assert.match(result.finalOutput, /markdown artifacts only/);
});
