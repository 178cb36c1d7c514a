// Compiled (not run) by test/types.test.mjs with `tsc --noEmit --strict`: the published types
// (index.d.ts) accept the documented uses and reject wrong ones.
import { Model, type PredictOptions } from 'churnlens'

const model: Model = Model.load('model.json')
const fromBytes: Model = Model.load(new Uint8Array(0))
const names: string[] = model.featureNames
const f: number = model.numFeatures + model.numOutputs + model.numTrees
const format: 'xgboost' | 'lightgbm' = model.format
const objective: string = model.objective
const bias: Float64Array = model.expectedValue()

const x = new Float64Array(2 * f)
const p: Float64Array = model.predict(x)
const m: Float64Array = model.predict(new Float32Array(x), 2, { output: 'margin' })
const opts: PredictOptions = { output: 'probability' }
const q: Float64Array = model.predict([{ tenure: 3, churned_before: true, seats: null }], null, opts)
const phi: Float64Array = model.shapValues(x, 2)
const inter: Float64Array = model.shapInteractionValues(x)
const margin: Float64Array = model.predictMargin(x)

async function later(): Promise<Float64Array[]> {
  return Promise.all([
    model.predictAsync(x, 2, { output: 'margin' }),
    model.predictMarginAsync(x),
    model.shapValuesAsync([{ tenure: 1 }]),
    model.shapInteractionValuesAsync(x, undefined),
  ])
}

// @ts-expect-error: an unknown output kind
model.predict(x, 2, { output: 'logit' })
// @ts-expect-error: strings are not feature values
model.predict([{ tenure: '3' }])
// @ts-expect-error: a plain number array is not accepted (use a typed array)
model.predict([1, 2, 3])
// @ts-expect-error: read-only property
model.numFeatures = 3

export { fromBytes, names, format, objective, bias, p, m, q, phi, inter, margin, later }
