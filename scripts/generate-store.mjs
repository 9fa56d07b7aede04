// Generates src/store/store.ts (every repository function bound to the database): `node scripts/generate-store.mjs`, then prettier.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';
const dir = 'src/store';
const files = readdirSync(dir).filter((name) => name.endsWith('-repository.ts'));
const entries = [];
const seen = new Map();
for (const file of files) {
  const text = readFileSync(`${dir}/${file}`, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const module = file.replace('-repository.ts', '').replace(/-(\w)/g, (_, c) => c.toUpperCase());
  for (const statement of source.statements) {
    if (!ts.isFunctionDeclaration(statement) || !statement.name) continue;
    if (!statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    const first = statement.parameters[0];
    if (!first) continue;
    const type = first.type?.getText(source) ?? '';
    if (!/^(Database|Executor|Database \| Transaction<DatabaseSchema>)$/.test(type)) continue;
    const name = statement.name.getText(source);
    const generic = Boolean(statement.typeParameters?.length);
    if (seen.has(name)) throw new Error(`duplicate ${name} in ${file} and ${seen.get(name)}`);
    seen.set(name, file);
    entries.push({ module, file, name, generic });
  }
}
const imports = [...new Set(entries.map((entry) => `${entry.module}|${entry.file}`))].map((key) => {
  const [module, file] = key.split('|');
  return `import * as ${module} from './${file.replace('.ts', '.js')}';`;
});
const modules = [...new Set(entries.map((entry) => entry.module))];
const binders = modules.map((module) => {
  const lines = entries
    .filter((entry) => entry.module === module)
    .map(
      (entry) => `    ${entry.name}: (...args: Tail<Parameters<typeof ${module}.${entry.name}>>) => ${module}.${entry.name}(db, ...args),`,
    );
  return `function ${module}Of(db: Database) {\n  return {\n${lines.join('\n')}\n  };\n}`;
});
const body = `import type { Database } from './database.js';
${imports.join('\n')}

type Tail<T extends unknown[]> = T extends [unknown, ...infer Rest] ? Rest : never;

/**
 * Every repository function bound to one database: what the API layer holds instead of the database itself,
 * so routes never see a connection (and a test can hand them a store of its own). Generated from the
 * repositories' exports whose first parameter is the database.
 */
export function createStore(db: Database) {
  return {
${modules.map((module) => `    ...${module}Of(db),`).join('\n')}
  };
}

export type Store = ReturnType<typeof createStore>;

${binders.join('\n\n')}
`;
writeFileSync(`${dir}/store.ts`, body);
