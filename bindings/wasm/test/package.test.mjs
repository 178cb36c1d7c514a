// The built package (pkg/, from build.sh) as users load it: the node entry, the web build
// with async init(), the bundler build, and the API's input forms and error codes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Model } from 'churnlens-wasm'

const here = dirname(fileURLToPath(import.meta.url))
const pkg = join(here, '..', 'pkg')
const fixtures = join(here, '..', '..', '..', 'tests', 'fixtures')
const fixture = (name) => {
  const c = JSON.parse(readFileSync(join(fixtures, name, 'case.json'), 'utf8'))
  return { ...c, bytes: readFileSync(join(fixtures, name, c.model_file)) }
}
const matrix = (rows) => Float64Array.from(rows.flat(), (v) => (v === null ? NaN : v))
const xgb = fixture('xgb_binary')
const lgbMulti = fixture('lgb_multiclass')

const hasCode = (code, pattern) => (err) => {
  assert.ok(err instanceof Error, `not an Error: ${err}`)
  assert.equal(err.code, code, `code of: ${err.message}`)
  if (pattern) assert.match(err.message, pattern)
  return true
}

test('the .wasm is within the 1 MB budget (issue 6)', () => {
  const size = readFileSync(join(pkg, 'web', 'churnlens_bg.wasm')).length
  assert.ok(size <= 1_000_000, `${size} bytes`)
  assert.deepEqual(readFileSync(join(pkg, 'bundler', 'churnlens_bg.wasm')).length, size)
})

test('load from a Uint8Array (Buffer) or an ArrayBuffer; properties', () => {
  const m = Model.load(xgb.bytes)
  assert.equal(m.format, 'xgboost')
  assert.deepEqual(m.featureNames, xgb.feature_names)
  assert.equal(m.numFeatures, 8)
  assert.equal(m.numOutputs, 1)
  assert.equal(m.objective, 'binary:logistic')
  assert.ok(m.numTrees > 0)
  const ab = xgb.bytes.buffer.slice(xgb.bytes.byteOffset, xgb.bytes.byteOffset + xgb.bytes.byteLength)
  const m2 = Model.load(ab)
  assert.deepEqual(m2.predict(matrix(xgb.X)), m.predict(matrix(xgb.X)))
  const l = Model.load(lgbMulti.bytes)
  assert.equal(l.format, 'lightgbm')
  assert.equal(l.expectedValue().length, 3)
  for (const model of [m, m2, l]) model.free()
})

test('predictions match the libraries (fixture outputs); shapes', () => {
  for (const c of [xgb, lgbMulti]) {
    const m = Model.load(c.bytes)
    const x = matrix(c.X)
    const n = c.X.length
    const p = m.predict(x)
    assert.ok(p instanceof Float64Array)
    assert.equal(p.length, n * c.num_outputs)
    c.prediction.flat().forEach((v, i) => assert.ok(Math.abs(p[i] - v) <= 1e-6, `${c.name}[${i}]`))
    assert.deepEqual(m.predict(x, n, { output: 'margin' }), m.predictMargin(x, n))
    const f1 = m.numFeatures + 1
    assert.equal(m.shapValues(x).length, n * c.num_outputs * f1)
    assert.equal(m.shapInteractionValues(x.subarray(0, 2 * m.numFeatures)).length, 2 * c.num_outputs * f1 * f1)
    m.free()
  }
})

test('Float32Array input and records', () => {
  const m = Model.load(xgb.bytes)
  const x = matrix(xgb.X)
  assert.deepEqual(m.predict(Float32Array.from(x)), m.predict(x))
  const names = m.featureNames
  const records = xgb.X.map((row) => Object.fromEntries(row.map((v, j) => [names[j], v])))
  assert.deepEqual(m.shapValues(records), m.shapValues(x))
  assert.deepEqual(m.predict([{ [names[3]]: true }]), m.predict(Float64Array.from(names, (_, j) => (j === 3 ? 1 : NaN))))
  assert.equal(m.predict(new Float64Array(0)).length, 0)
  m.free()
})

test('errors are Errors with a code', () => {
  assert.throws(() => Model.load(Buffer.from('hello')), hasCode('unknown_format'))
  assert.throws(() => Model.load(Buffer.from('{"learner": ')), hasCode('json'))
  assert.throws(() => Model.load(Buffer.from('{"version": [2, 0, 0]}')), hasCode('model'))
  assert.throws(() => Model.load('model.json'), hasCode('input', /bytes/))
  const m = Model.load(xgb.bytes)
  assert.throws(() => m.predict(new Float64Array(9)), hasCode('input', /multiple/))
  assert.throws(() => m.predict(new Float64Array(16), 3), hasCode('input', /3 rows/))
  assert.throws(() => m.predict([{ nope: 1 }]), hasCode('input', /nope/))
  assert.throws(() => m.predict([{ tenure: '3' }]), hasCode('input', /string/))
  assert.throws(() => m.predict([null]), hasCode('input', /record 0/))
  assert.throws(() => m.predict('1,2'), hasCode('input', /Float64Array/))
  assert.throws(() => m.predict(new Float64Array(8), 1, { output: 'logit' }), hasCode('input', /output/))
  m.free()
})

test('the web build initialises asynchronously from bytes', () => {
  // A fresh process, so that the module is not yet initialised.
  const script = `
    import init, { Model } from ${JSON.stringify(join(pkg, 'web', 'churnlens.js'))}
    import { readFileSync } from 'node:fs'
    await init({ module_or_path: readFileSync(${JSON.stringify(join(pkg, 'web', 'churnlens_bg.wasm'))}) })
    const m = Model.load(readFileSync(${JSON.stringify(join(fixtures, 'xgb_binary', 'model.json'))}))
    console.log(JSON.stringify(Array.from(m.predict(new Float64Array(8).fill(1)))))
  `
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
  const m = Model.load(xgb.bytes)
  assert.deepEqual(JSON.parse(out), Array.from(m.predict(new Float64Array(8).fill(1))))
})

test('the bundler build loads as an ES module importing the .wasm', () => {
  // Node runs the bundler build with its ESM-integration of WebAssembly, as bundlers do.
  const script = `
    import { Model } from ${JSON.stringify(join(pkg, 'bundler', 'churnlens.js'))}
    import { readFileSync } from 'node:fs'
    const m = Model.load(readFileSync(${JSON.stringify(join(fixtures, 'xgb_binary', 'model.json'))}))
    console.log(JSON.stringify(Array.from(m.shapValues(new Float64Array(8).fill(1)))))
  `
  const out = execFileSync(process.execPath, ['--experimental-wasm-modules', '--no-warnings', '--input-type=module', '-e', script], { encoding: 'utf8' })
  const m = Model.load(xgb.bytes)
  assert.deepEqual(JSON.parse(out), Array.from(m.shapValues(new Float64Array(8).fill(1))))
})
