// node:test reporter for scripts/run-tests.mjs: one JSON line per skipped (or todo) test, so the
// runner can hold every skip against test/skips.json.
export default async function* skipReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { skip, todo, name, file } = event.data;
    if (skip === undefined && todo === undefined) continue;
    yield `${JSON.stringify({ file, name, kind: skip !== undefined ? 'skip' : 'todo', reason: typeof (skip ?? todo) === 'string' ? (skip ?? todo) : '' })}\n`;
  }
}
