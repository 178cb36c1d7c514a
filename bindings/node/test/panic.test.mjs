// A panic in Rust must not cross into Node (issue 9): napi's catch_unwind turns it into a
// thrown Error, and the process and the addon keep working afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const cl = require('..');

test('a forced panic is a thrown Error, and the addon still works', () => {
  assert.equal(typeof cl._panicForTests, 'function');
  assert.throws(() => cl._panicForTests(), (err) => err instanceof Error && /panic/i.test(err.message));
  const model = cl.Model.load(path.join(here, '..', '..', '..', 'tests', 'fixtures', 'xgb_binary', 'model.json'));
  const x = new Float64Array(model.numFeatures).fill(NaN);
  const p = model.predict(x);
  assert.ok(p[0] > 0 && p[0] < 1);
});
