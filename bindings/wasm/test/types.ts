// Compiled (not run) by test/types.test.mjs with `tsc --noEmit --strict`: the generated types
// of both builds accept the documented uses and reject wrong ones.
import { Model, type FeatureData, type PredictOptions, type ChurnlensError } from 'churnlens-wasm'
import init, { initSync, Model as WebModel, Bundle as WebBundle, scoreCsv as webScore } from 'churnlens-wasm/web'
import {
  Bundle, ScoredTable, mapColumns, validate, qualityReport, scoreCsv, checkText, parseDate, type ColumnMapping, type Validation,
  type QualityReport, type RunSummary, type Explanation, type RejectedRow, type ScoreOptions, type ScoreProgress,
  type Tier, type SchemaFeature,
} from 'churnlens-wasm'

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

async function worker(csv: ArrayBuffer, bundleBytes: ArrayBuffer): Promise<Uint8Array> {
  await init()
  const b: WebBundle = WebBundle.load(bundleBytes)
  const t = webScore(new Uint8Array(csv), b, { onProgress: (p) => { postProgress(p.rowsRead / p.totalBytes) } })
  try {
    return t.toXlsx(new Uint32Array([0, 1]))
  } finally {
    t.free()
    b.free()
  }
}
function postProgress(_share: number): void {}

function intake(csv: Uint8Array, bundleBytes: Uint8Array): void {
  const bundle: Bundle = Bundle.load(bundleBytes)
  const tiers: Tier[] = bundle.tiers
  const inputs: SchemaFeature[] = bundle.inputs
  const model: Model = bundle.model
  const mapping: ColumnMapping = mapColumns(csv, bundle, { overrides: { tenure: 'Months', Churn: null }, threshold: 0.9 })
  const byNames: ColumnMapping = mapColumns(['Tenure'], ['tenure'])
  const v: Validation = validate(csv, bundle, { asOf: '2024-06-30' })
  const p: Float64Array = model.predict(v.features)
  const q: QualityReport = qualityReport(csv.buffer as ArrayBuffer, bundle)
  const opts: ScoreOptions = { topK: 5, cells: true, chunkRows: 1000, onProgress: (pr: ScoreProgress) => pr.rowsRead < 10 }
  const t: ScoredTable = scoreCsv(csv, bundle, opts)
  const s: RunSummary = t.summary
  const n: number = t.length + s.rows_scored
  const cols: string[] = [...t.headers, ...t.featureNames, ...t.tierNames]
  const arrays: Float64Array[] = [t.rows(), t.lines(), t.probabilities(), t.features(), t.shap(), t.labels()]
  const tierIx: Uint8Array = t.tiers()
  const ids: Array<string | null> = t.customerIds()
  const cells: string[] | null = t.cells(0)
  const why: Explanation = t.explanation(0, true)
  const rows: RejectedRow[] = t.rejected()
  const files: Uint8Array[] = [t.toCsv(), t.toCsv(new Uint32Array([0])), t.toXlsx(), t.rejectsCsv()]
  const reasons: string[] = t.reasons()
  console.log(tiers, inputs, mapping, byNames, p, q.text, n, cols, arrays, tierIx, ids, cells, why, rows, files, reasons)
  // @ts-expect-error: unknown option
  scoreCsv(csv, bundle, { topk: 3 })
  t.free()
}

function reading(csv: Uint8Array, cell: string): number {
  checkText(csv)
  checkText(csv.buffer as ArrayBuffer)
  // @ts-expect-error: text is not bytes
  checkText(cell)
  // @ts-expect-error: a cell is text
  parseDate(20240131)
  return parseDate(cell)
}

export { browser, node, worker, intake, reading }
