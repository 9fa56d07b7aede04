// Imported first by the CLI, so it runs before anything loads better-sqlite3: its Node-API 10 binding crashes the
// process on Node 20 instead of failing with a message.
const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
if (major < 22 || (major === 22 && minor < 14)) {
  process.stderr.write(`Flowrun needs Node 22.14 or newer (the current LTS lines are 22 and 24); this is ${process.version}.\n`);
  process.exit(1);
}
