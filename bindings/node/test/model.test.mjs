// The Node API: loading, properties, input forms, shapes, async variants and error codes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Model } = require('../index.js')

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'tests', 'fixtures')
const fixture = (name) => {
  const c = JSON.parse(readFileSync(join(fixtures, name, 'case.json'), 'utf8'))
  return { ...c, path: join(fixtures, name, c.model_file) }
}
const matrix = (rows) => Float64Array.from(rows.flat(), (v) => (v === null ? NaN : v))

const xgb = fixture('xgb_binary')
const lgbMulti = fixture('lgb_multiclass')

/** Throws (or rejects) an Error whose `code` is `code`. */
const hasCode = (code, pattern) => (err) => {
  assert.ok(err instanceof Error, `not an Error: ${err}`)
  assert.equal(err.code, code, `code of: ${err.message}`)
  if (pattern) assert.match(err.message, pattern)
  return true
}

test('load from a path, a Buffer and a Uint8Array gives the same model', () => {
  const a = Model.load(xgb.path)
  const buf = readFileSync(xgb.path)
  const b = Model.load(buf)
  const c = Model.load(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength))
  const x = matrix(xgb.X)
  assert.deepEqual(b.predict(x), a.predict(x))
  assert.deepEqual(c.shapValues(x), a.shapValues(x))
  assert.ok(Model.load(fixture('xgb_binary_ubj').path).numTrees > 0)
})

test('properties', () => {
  const m = Model.load(xgb.path)
  assert.equal(m.format, 'xgboost')
  assert.deepEqual(m.featureNames, xgb.feature_names)
  assert.equal(m.numFeatures, xgb.num_features)
  assert.equal(m.numOutputs, 1)
  assert.equal(m.objective, 'binary:logistic')
  assert.ok(m.numTrees > 0)
  assert.ok(m.expectedValue() instanceof Float64Array)
  const l = Model.load(lgbMulti.path)
  assert.equal(l.format, 'lightgbm')
  assert.equal(l.numOutputs, 3)
  assert.equal(l.expectedValue().length, 3)
})

test('predictions match the libraries (fixture outputs) and have rows x outputs values', () => {
  for (const c of [xgb, lgbMulti]) {
    const m = Model.load(c.path)
    const x = matrix(c.X)
    const p = m.predict(x)
    assert.ok(p instanceof Float64Array)
    assert.equal(p.length, c.X.length * c.num_outputs)
    const want = c.prediction.flat()
    want.forEach((v, i) => assert.ok(Math.abs(p[i] - v) <= 1e-6, `${c.name} prediction[${i}] ${p[i]} vs ${v}`))
    const margin = m.predict(x, c.X.length, { output: 'margin' })
    assert.deepEqual(margin, m.predictMargin(x))
    assert.deepEqual(m.predict(x, undefined, { output: 'probability' }), p)
  }
})

test('SHAP values: (F + 1) per output, sum to the margin, bias = expectedValue', () => {
  const m = Model.load(lgbMulti.path)
  const x = matrix(lgbMulti.X)
  const n = lgbMulti.X.length
  const k = m.numOutputs
  const f1 = m.numFeatures + 1
  const phi = m.shapValues(x, n)
  const margin = m.predictMargin(x, n)
  const bias = m.expectedValue()
  assert.equal(phi.length, n * k * f1)
  for (let r = 0; r < n; r++) {
    for (let g = 0; g < k; g++) {
      const row = phi.subarray((r * k + g) * f1, (r * k + g + 1) * f1)
      const total = row.reduce((a, b) => a + b, 0)
      assert.ok(Math.abs(total - margin[r * k + g]) < 1e-9, `row ${r} output ${g}`)
      assert.equal(row[f1 - 1], bias[g])
    }
  }
})

test('SHAP interactions: (F + 1)^2 per output, rows sum to the SHAP values', () => {
  const m = Model.load(xgb.path)
  const x = matrix(xgb.X.slice(0, 3))
  const f1 = m.numFeatures + 1
  const inter = m.shapInteractionValues(x)
  const phi = m.shapValues(x)
  assert.equal(inter.length, 3 * f1 * f1)
  for (let r = 0; r < 3; r++) {
    for (let i = 0; i < f1; i++) {
      let s = 0
      for (let j = 0; j < f1; j++) s += inter[r * f1 * f1 + i * f1 + j]
      assert.ok(Math.abs(s - phi[r * f1 + i]) < 1e-5, `row ${r} feature ${i}: ${s} vs ${phi[r * f1 + i]}`)
    }
  }
})

test('Float32Array input: same as the f64 input rounded to f32', () => {
  const m = Model.load(lgbMulti.path)
  const x32 = Float32Array.from(matrix(lgbMulti.X))
  assert.deepEqual(m.shapValues(x32), m.shapValues(Float64Array.from(x32)))
  const xm = Model.load(xgb.path)
  // XGBoost reads features as f32, so both widths give the same bits.
  const x = matrix(xgb.X)
  assert.deepEqual(xm.predict(Float32Array.from(x)), xm.predict(x))
})

test('records: keys by feature name, absent/null/NaN = missing, booleans = 1/0', () => {
  const m = Model.load(xgb.path)
  const names = m.featureNames
  const x = matrix(xgb.X.slice(0, 4))
  const records = xgb.X.slice(0, 4).map((row, r) => {
    const rec = {}
    row.forEach((v, j) => {
      // Vary how a missing value is written.
      if (v !== null) rec[names[j]] = v
      else if (r % 3 === 0) rec[names[j]] = null
      else if (r % 3 === 1) rec[names[j]] = NaN
    })
    return rec
  })
  assert.deepEqual(m.predict(records), m.predict(x))
  assert.deepEqual(m.shapValues(records, 4), m.shapValues(x))
  const empty = m.predict([{}])
  assert.deepEqual(empty, m.predict(new Float64Array(names.length).fill(NaN)))
  const withBool = m.predict([{ [names[3]]: true, [names[4]]: false }])
  const numeric = new Float64Array(names.length).fill(NaN)
  numeric[3] = 1
  numeric[4] = 0
  assert.deepEqual(withBool, m.predict(numeric))
})

test('zero rows give empty outputs', () => {
  const m = Model.load(xgb.path)
  assert.equal(m.predict(new Float64Array(0)).length, 0)
  assert.equal(m.shapValues(new Float64Array(0), 0).length, 0)
  assert.equal(m.predict([]).length, 0)
})

test('async variants resolve to the same bits as the sync methods', async () => {
  const m = Model.load(lgbMulti.path)
  const x = matrix(lgbMulti.X)
  assert.deepEqual(await m.predictAsync(x), m.predict(x))
  assert.deepEqual(await m.predictAsync(x, null, { output: 'margin' }), m.predictMargin(x))
  assert.deepEqual(await m.predictMarginAsync(x), m.predictMargin(x))
  assert.deepEqual(await m.shapValuesAsync(x), m.shapValues(x))
  assert.deepEqual(await m.shapInteractionValuesAsync(x.subarray(0, 2 * m.numFeatures)),
    m.shapInteractionValues(x.subarray(0, 2 * m.numFeatures)))
  // Many at once on the libuv pool, and the input may change after the call.
  const copy = Float64Array.from(x)
  const pending = Array.from({ length: 16 }, () => m.shapValuesAsync(copy))
  copy.fill(0)
  for (const r of await Promise.all(pending)) assert.deepEqual(r, m.shapValues(x))
})

test('error codes: io, unknown_format, json, model', () => {
  assert.throws(() => Model.load(join(fixtures, 'no_such_model.json')), hasCode('io', /no_such_model/))
  assert.throws(() => Model.load(Buffer.from('hello')), hasCode('unknown_format'))
  assert.throws(() => Model.load(Buffer.from('{"learner": ')), hasCode('json'))
  assert.throws(() => Model.load(Buffer.from('{"version": [2, 0, 0]}')), hasCode('model'))
  assert.throws(() => Model.load(new Uint8Array(0)), hasCode('unknown_format', /empty/))
})

test('error codes: input', () => {
  const m = Model.load(xgb.path)
  const f = m.numFeatures
  assert.throws(() => m.predict(new Float64Array(f + 1)), hasCode('input', /multiple/))
  assert.throws(() => m.predict(new Float64Array(2 * f), 3), hasCode('input', /3 rows/))
  assert.throws(() => m.shapValues([{ tenure: 1, no_such_feature: 2 }]), hasCode('input', /no_such_feature/))
  assert.throws(() => m.predict([{ tenure: '12' }]), hasCode('input', /string/))
  assert.throws(() => m.predict([1, 2]), hasCode('input', /record 0 is not an object/))
  assert.throws(() => m.predict([{}], 2), hasCode('input', /2 but 1 records/))
  assert.throws(() => m.predict(new Float64Array(f), 1, { output: 'logit' }), hasCode('input', /output/))
  // A wrong argument type is caught by napi before churnlens sees it.
  assert.throws(() => m.predict('1,2,3'), hasCode('InvalidArg'))
})

test('async errors reject with the same codes', async () => {
  const m = Model.load(xgb.path)
  await assert.rejects(m.predictAsync(new Float64Array(3)), hasCode('input', /multiple/))
  await assert.rejects(m.shapValuesAsync([{ nope: 1 }]), hasCode('input', /nope/))
  await assert.rejects(m.predictAsync(new Float64Array(m.numFeatures), 1, { output: 'x' }), hasCode('input'))
})
