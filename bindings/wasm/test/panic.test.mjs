// A panic in Rust must not leave the page with a dead or poisoned module (issue 9). The wasm
// build aborts on panic (no unwinding on stable Rust), so the crate's panic hook schedules a
// fresh instance and throws an Error with code "internal"; the next call runs on the new one.
import test from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import * as cl from 'churnlens-wasm'

const models = new URL('../../../benches/models/', import.meta.url)
const modelBytes = readFileSync(new URL('xgb_100x4.json', models))

test('a forced panic is an Error with code "internal", and the module works after it', () => {
  const before = cl.Model.load(modelBytes)
  const x = new Float64Array(before.numFeatures).fill(0.5)
  const expected = before.predict(x)

  assert.equal(typeof cl._panicForTests, 'function')
  assert.throws(() => cl._panicForTests(), (err) => {
    assert.ok(err instanceof Error, `${err}`)
    assert.equal(err.code, 'internal')
    assert.match(err.message, /forced panic for tests/)
    assert.match(err.message, /loaded again/)
    return true
  })

  // The module was reset: a model loaded now predicts the same bits as before the panic.
  // The first call after the panic is on an object of the old instance: refused, not run
  // with a dangling pointer on the new one.
  assert.throws(() => before.predict(x), /stale object/)
  const after = cl.Model.load(modelBytes)
  assert.deepEqual(after.predict(x), expected)
  // A second panic and recovery work the same way.
  assert.throws(() => cl._panicForTests(), (err) => err.code === 'internal')
  assert.throws(() => after.predict(x), /stale object/)
  assert.deepEqual(cl.Model.load(modelBytes).predict(x), expected)
})
