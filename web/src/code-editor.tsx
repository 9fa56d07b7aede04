import { useEffect, useRef } from 'react';
import { EditorView, basicSetup } from 'codemirror';
import { javascript } from '@codemirror/lang-javascript';
import { json } from '@codemirror/lang-json';

/** CodeMirror 6 with JavaScript or JSON highlighting; the document is the editor's own once it is open. */
export function CodeEditor({
  value,
  onChange,
  language,
  label,
}: {
  value: string;
  onChange: (value: string) => void;
  language: 'javascript' | 'json';
  label: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const changed = useRef(onChange);
  changed.current = onChange;
  useEffect(() => {
    const view = new EditorView({
      doc: value,
      parent: host.current!,
      extensions: [
        basicSetup,
        language === 'javascript' ? javascript() : json(),
        EditorView.updateListener.of((update) => update.docChanged && changed.current(update.state.doc.toString())),
        EditorView.contentAttributes.of({ 'aria-label': label }),
      ],
    });
    return () => view.destroy();
    // The editor is created once per language; later values come from its own edits.
  }, [language]);
  return <div ref={host} data-testid={`code-${language}`} />;
}
