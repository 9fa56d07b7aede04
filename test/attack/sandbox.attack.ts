import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSandboxPool } from '../../src/tools/sandbox/sandbox-pool.js';
import { hostilePrograms } from '../fixtures/hostile-programs.js';

// Escape primitives crossed with the places code can hide them: every program must end in a tool error or a
// harmless value that carries nothing of the host, and the pool must keep serving afterwards.
const pool = createSandboxPool({
  workers: 2,
  tenantConcurrency: 2,
  timeoutMs: 250,
  maxTimeoutMs: 250,
  memoryBytes: 16 * 1024 * 1024,
  maxResultBytes: 256 * 1024,
});
after(() => pool.close());

const primitives: Record<string, string> = {
  process: 'return process.pid;',
  require: 'return require("fs");',
  importFs: 'return await import("fs");',
  importData: 'return await import("data:text/javascript,export default globalThis.process");',
  functionCtor: 'return Function("return process")().pid;',
  constructorChain: 'return this.constructor.constructor("return process")().pid;',
  arrowCtor: 'return (() => {}).constructor("return process")().pid;',
  asyncCtor: 'return (async () => {}).constructor("return process")();',
  generatorCtor: 'return (function* () {}).constructor("return process")().next();',
  indirectEval: 'return (0, eval)("typeof process === \\"undefined\\" ? undefined : process.pid");',
  errorStack: 'Error.prepareStackTrace = (error, frames) => frames.map((frame) => frame.getThis()); return new Error().stack;',
  errorCaptureStack: 'const holder = {}; Error.captureStackTrace(holder); return holder.stack;',
  proxyTrap: 'const p = new Proxy({}, { get: () => Function("return process")() }); return p.x.pid;',
  reflect: 'return Reflect.construct(Function, ["return process"])().pid;',
  symbolSpecies:
    'class Evil extends Array { static get [Symbol.species]() { return Function("return process"); } } return new Evil(1).map((x) => x);',
  protoWalk:
    'let object = {}; for (let i = 0; i < 10; i++) object = Object.getPrototypeOf(object) ?? object; return object.constructor.constructor("return process")();',
  globalThisKeys:
    'return Object.getOwnPropertyNames(globalThis).filter((name) => /process|require|fetch|Buffer|setTimeout|WebAssembly|Deno|Bun/.test(name));',
  fetch: 'return await fetch("http://127.0.0.1/");',
  xhr: 'return new XMLHttpRequest();',
  webassembly: 'return WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));',
  sharedMemoryWait: 'const cell = new Int32Array(new SharedArrayBuffer(4)); return Atomics.wait(cell, 0, 0, 10000);',
  timers: 'return typeof setTimeout + typeof setInterval + typeof queueMicrotask + typeof setImmediate;',
  busyLoop: 'while (true) {}',
  busyLoopCatching: 'for (;;) { try { while (true) {} } catch {} }',
  recursion: 'const f = () => f() + 1; return f();',
  deepRecursionCatching: 'const f = (n) => { try { return f(n + 1); } catch { return f(n + 1); } }; return f(0);',
  memoryArray: 'const hold = []; for (;;) hold.push(new Array(1e5).fill(7));',
  memoryString: 'let text = "x"; for (;;) text += text;',
  memoryRepeat: 'return "x".repeat(2 ** 30);',
  memoryJoin: 'return new Array(2 ** 28).join("xx");',
  regexBacktrack: 'return /^(a+)+$/.test("a".repeat(40) + "!");',
  neverSettles: 'await new Promise(() => {}); return 1;',
  microtaskFlood: 'const spin = () => Promise.resolve().then(spin); spin(); await new Promise(() => {});',
  getterResult: 'return { get x() { while (true) {} } };',
  toJsonResult: 'return { toJSON() { for (;;) {} } };',
  cyclicResult: 'const a = {}; a.a = a; return a;',
  deepResult: 'let v = []; for (let i = 0; i < 5000; i++) v = [v]; return v;',
  hugeResult: 'return "x".repeat(10 * 1024 * 1024);',
  bigintResult: 'return 10n ** 100000n;',
  symbolResult: 'return Symbol("x");',
  functionResult: 'return () => 1;',
  pollutePrototype: 'Object.prototype.polluted = "yes"; Array.prototype.map = () => "hijacked"; return ({}).polluted;',
  overrideJson: 'JSON.stringify = () => "{\\"owned\\":true}"; return { a: 1 };',
  overrideConsole: 'console.log = () => { while (true) {} }; console.log("x"); return 1;',
  consoleFlood: 'for (let i = 0; i < 1e6; i++) console.log("x".repeat(1000)); return 1;',
  consoleDeep: 'let v = []; for (let i = 0; i < 5000; i++) v = [v]; console.log(v); return 1;',
  throwHostile: 'throw { toString() { while (true) {} } };',
  throwDeep: 'let v = {}; for (let i = 0; i < 5000; i++) v = { v }; throw v;',
};

const wrappers: Record<string, (body: string) => string> = {
  plain: (body) => body,
  tryCatch: (body) => `try { ${body} } catch (error) { return String(error).slice(0, 100); }`,
  asyncFunction: (body) => `return await (async () => { ${body} })();`,
  promiseThen: (body) => `return await Promise.resolve().then(async () => { ${body} });`,
  getter: (body) => `const holder = { get value() { return (async () => { ${body} })(); } }; return await holder.value;`,
  classStatic: (body) => `let out; class Box { static { out = (async () => { ${body} })(); } } return await out;`,
  generator: (body) => `function* run() { yield (async () => { ${body} })(); } return await run().next().value;`,
};

const hostMarkers = /"pid"|\/home\/|\/root\/|\/work\/|node_modules|"v2[0-9]\.|"versions"|"env"|"owned"/;

test('escape primitives in every hiding place end in an error or a harmless value', async () => {
  let errors = 0;
  let values = 0;
  const programs = [
    ...Object.entries(primitives).flatMap(([name, body]) =>
      Object.entries(wrappers).map(([where, wrap]) => [`${name}/${where}`, wrap(body)] as const),
    ),
    ...hostilePrograms.map((program) => [program.name, program.code] as const),
  ];
  for (let index = 0; index < programs.length; index += 2) {
    const batch = programs.slice(index, index + 2);
    const replies = await Promise.all(batch.map(([, code]) => pool.run(code, { parameters: {} }, { tenant: 'attacker' })));
    replies.forEach((reply, position) => {
      const [name] = batch[position]!;
      if (reply.ok) {
        values++;
        assert.doesNotMatch(
          JSON.stringify(reply.result) ?? '',
          hostMarkers,
          `${name} returned host data: ${JSON.stringify(reply.result).slice(0, 200)}`,
        );
      } else errors++;
    });
  }
  const healthy = await pool.run('return 6 * 7;', {}, { tenant: 'bystander' });
  assert.deepEqual(healthy.ok && healthy.result, 42);
  assert.equal(errors + values, programs.length);
  console.log(
    `# attack sandbox: ${programs.length} programs (${Object.keys(primitives).length} primitives x ${Object.keys(wrappers).length} hiding places + ${hostilePrograms.length} published escapes): ${errors} errors, ${values} harmless values, 0 host data`,
  );
});
