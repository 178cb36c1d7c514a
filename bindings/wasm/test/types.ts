// Compiled (not run) by test/types.test.mjs with `tsc --noEmit --strict`: the generated types
// of both builds accept the documented uses and reject wrong ones.
import { Model, type FeatureData, type PredictOptions, type ChurnlensError } from 'churnlens-wasm'
import init, { initSync, Model as WebModel } from 'churnlens-wasm/web'

async function browser(bytes: ArrayBuffer): Promise<Float64Array> {
  await init()
  const model: WebModel = WebModel.load(bytes)
  try {
    return model.shapValues([{ tenure: 3, seats: null, churned_before: false }])
  } finally {
    model.free()
  }
}

function node(bytes: Uint8Array, module: BufferSource): void {
  initSync({ module })
  const model: Model = Model.load(bytes)
  const names: string[] = model.featureNames
  const f: number = model.numFeatures + model.numOutputs + model.numTrees
  const format: 'xgboost' | 'lightgbm' = model.format
  const objective: string = model.objective
  const bias: Float64Array = model.expectedValue()
  const x: FeatureData = new Float64Array(2 * f)
  const opts: PredictOptions = { output: 'margin' }
  const outs: Float64Array[] = [
    model.predict(x),
    model.predict(new Float32Array(2 * f), 2, opts),
    model.predictMargin(x, null),
    model.shapValues(x, 2),
    model.shapInteractionValues(x),
  ]
  try {
    model.predict([{ tenure: 1 }])
  } catch (e) {
    const code: string = (e as ChurnlensError).code
    console.log(code, names, format, objective, bias, outs)
  }
  // @ts-expect-error: an unknown output kind
  model.predict(x, 2, { output: 'logit' })
  // @ts-expect-error: strings are not feature values
  model.predict([{ tenure: '3' }])
  // @ts-expect-error: bytes, not a path
  Model.load('model.json')
}

export { browser, node }
