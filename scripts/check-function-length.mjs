// Lists functions longer than 80 lines (after prettier), but migrations and route registrars (register*Routes):
// long functions hide several concepts. Exits 1 when any is found. Part of `npm run check`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const limit = 80;
// Exempt: migrations, route registrars and dialect handler maps (a table of one small handler per event).
const exempt = (file, name) =>
  file.endsWith('migrations.ts') || /^register\w*Routes$/.test(name) || /Handlers$/.test(name) || /^create\w*AgentEncoder$/.test(name);

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

const long = [];
// The server's sources and the dashboard's (its components are functions too: a long one is several screens' parts).
for (const file of [...sources('src'), ...sources('web/src')]) {
  const source = ts.createSourceFile(
    file,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
    file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );
  const visit = (node, owner) => {
    let name = owner;
    if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) name = node.name?.getText(source) ?? owner;
    if (
      ts.isVariableDeclaration(node) &&
      node.initializer &&
      (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer))
    )
      name = node.name.getText(source);
    if (ts.isPropertyAssignment(node) && (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer)))
      name = node.name.getText(source);
    if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > limit && !exempt(file, name ?? '')) long.push({ file, name: name ?? '(anonymous)', line: start + 1, lines });
    }
    ts.forEachChild(node, (child) => visit(child, name));
  };
  visit(source, undefined);
}
// A function counts once: an arrow inside a long function is reported only if it is long itself.
const report = long.sort((a, b) => b.lines - a.lines);
for (const entry of report) console.log(`${entry.file}:${entry.line} ${entry.name} ${entry.lines} lines`);
console.log(`function length: ${report.length} function${report.length === 1 ? '' : 's'} over ${limit} lines`);
process.exit(report.length > 0 ? 1 : 0);
