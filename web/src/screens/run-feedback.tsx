import { useState } from 'react';
import { useSession } from '../use-session';
import { ActionButton, Json } from '../ui';

/** PromptShuttle's feedback on a run (`POST /api/v1/feedback`): a thumbs up or down (1 or -1) and a comment. */
export function Feedback({ id }: { id: string }) {
  const { client } = useSession();
  const [score, setScore] = useState<1 | -1>(1);
  const [text, setText] = useState('');
  const [saved, setSaved] = useState<unknown>(null);
  return (
    <section aria-label="Feedback">
      <h2>Feedback</h2>
      <div className="toolbar">
        <div>
          <label htmlFor="fb-score">Score</label>
          <select id="fb-score" value={score} onChange={(event) => setScore(event.target.value === '-1' ? -1 : 1)}>
            <option value={1}>👍 good (1)</option>
            <option value={-1}>👎 bad (-1)</option>
          </select>
        </div>
        <div style={{ flex: 1 }}>
          <label htmlFor="fb-text">Comment</label>
          <input id="fb-text" style={{ width: '100%' }} value={text} onChange={(event) => setText(event.target.value)} />
        </div>
        <ActionButton
          onAction={async () => setSaved(await client.feedback.create({ shuttleRequestId: id, score, ...(text ? { text } : {}) }))}
        >
          Send feedback
        </ActionButton>
      </div>
      {saved !== null && <Json value={saved} />}
    </section>
  );
}
