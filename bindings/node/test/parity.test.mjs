// The Node leg of the cross-runtime parity suite: every committed case in tests/parity/*.json
// (written by the core's churn-core/tests/parity.rs) must be reproduced bit for bit.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Model } = require('../index.js')

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'tests')
const parityDir = join(root, 'parity')
const cases = readdirSync(parityDir).filter((f) => f.endsWith('.json')).sort()

// JSON null stands for NaN (JSON has no NaN).
const f64 = (values) => Float64Array.from(values, (v) => (v === null ? NaN : v))

/** Bitwise equality of two f64 arrays, reporting the first difference. */
function assertBitIdentical(got, want, what) {
  assert.equal(got.length, want.length, `${what}: length`)
  const g = new BigUint64Array(got.buffer, got.byteOffset, got.length)
  const w = new BigUint64Array(want.buffer, want.byteOffset, want.length)
  for (let i = 0; i < g.length; i++) {
    if (g[i] !== w[i]) {
      assert.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]} (bits ${g[i].toString(16)} vs ${w[i].toString(16)})`)
    }
  }
}

test('the parity suite has cases', () => {
  assert.ok(cases.length >= 10, `found ${cases.length} cases in ${parityDir}`)
})

for (const file of cases) {
  test(`parity ${file}`, async () => {
    const c = JSON.parse(readFileSync(join(parityDir, file), 'utf8'))
    const model = Model.load(readFileSync(join(root, 'fixtures', c.model)))
    assert.equal(model.numFeatures, c.cols)
    assert.equal(model.numOutputs, c.outputs)
    const x = f64(c.x)
    assert.equal(x.length, c.rows * c.cols)

    assertBitIdentical(model.predictMargin(x, c.rows), f64(c.margin), 'margin')
    assertBitIdentical(model.predict(x, c.rows, { output: 'margin' }), f64(c.margin), 'predict(margin)')
    assertBitIdentical(model.predict(x, c.rows), f64(c.prediction), 'prediction')
    assertBitIdentical(model.expectedValue(), f64(c.expected_value), 'expected_value')
    assertBitIdentical(model.shapValues(x, c.rows), f64(c.shap), 'shap')
    const xi = x.subarray(0, c.interaction_rows * c.cols)
    assertBitIdentical(model.shapInteractionValues(xi, c.interaction_rows), f64(c.interactions), 'interactions')

    // The async variants and the records form give the same bits.
    assertBitIdentical(await model.predictAsync(x, c.rows), f64(c.prediction), 'predictAsync')
    assertBitIdentical(await model.shapValuesAsync(x, c.rows), f64(c.shap), 'shapValuesAsync')
    const names = model.featureNames
    const records = []
    for (let r = 0; r < c.rows; r++) {
      const rec = {}
      names.forEach((n, j) => {
        const v = x[r * c.cols + j]
        if (!Number.isNaN(v)) rec[n] = v
      })
      records.push(rec)
    }
    assertBitIdentical(model.shapValues(records), f64(c.shap), 'shap(records)')
  })
}
