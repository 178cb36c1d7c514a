// Compiled (not run) by test/types.test.mjs with `tsc --noEmit --strict`: the published types
// (index.d.ts) accept the documented uses and reject wrong ones.
import {
  Model, Bundle, ScoredTable, mapColumns, validate, qualityReport, scoreCsv, scoreCsvAsync, validateAsync,
  qualityReportAsync, type PredictOptions, type ColumnMapping, type Validation, type QualityReport,
  type RunSummary, type Explanation, type RejectedRow, type ScoreOptions, type ScoreProgress, type Tier,
  type SchemaFeature, type ChurnlensError, buildBundle, type BuildBundleOptions,
} from 'churnlens'

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

// The intake and scoring API.
const bundle: Bundle = Bundle.load('bundle.json')
const bundle2: Bundle = Bundle.load(new Uint8Array(0))
const tiers: Tier[] = bundle.tiers
const inputs: SchemaFeature[] = bundle.inputs
const bm: Model = bundle.model

// Building a bundle: from a CSV's bytes or a matrix; the bundle's file text.
const buildOpts: BuildBundleOptions = { created: '2026-12-01T00:00:00Z', seed: 7, sampleRows: 100, tiers }
const built: Bundle = buildBundle(new Uint8Array(0), new Uint8Array(0), buildOpts)
const builtText: string = buildBundle(new Uint8Array(0), { x: new Float64Array(8), labels: new Float64Array(1) }).toJson()
// @ts-expect-error: the matrix is a typed array, not a plain array
buildBundle(new Uint8Array(0), { x: [1, 2] })
const csv = new Uint8Array(0)
const mapping: ColumnMapping = mapColumns(csv, bundle, { overrides: { tenure: 'Months', Churn: null }, threshold: 0.9 })
const byNames: string | undefined = mapColumns(['Tenure'], ['tenure']).mapping['tenure']
const v: Validation = validate(csv, bundle, { asOf: '2024-06-30', maxIssues: 10 })
const vp: Float64Array = bm.predict(v.features)
const report: QualityReport = qualityReport(csv, bundle)
const qtext: string = report.text
const scoreOpts: ScoreOptions = { topK: 5, cells: true, chunkRows: 1000, onProgress: (pr: ScoreProgress) => pr.rowsRead < 10 }
const table: ScoredTable = scoreCsv(csv, bundle, scoreOpts)
const summary: RunSummary = table.summary
const n: number = table.length + summary.rows_scored + summary.tiers.tiers[0].count
const cols: string[] = [...table.headers, ...table.featureNames, ...table.tierNames]
const arrays: Float64Array[] = [table.rows(), table.lines(), table.probabilities(), table.features(), table.shap(), table.labels()]
const tierIx: Uint8Array = table.tiers()
const ids: Array<string | null> = table.customerIds()
const cells: string[] | null = table.cells(0)
const why: Explanation = table.explanation(0, true)
const why2: string = table.explanation(0).raises[0].text
const rows: RejectedRow[] = table.rejected()
const files: Uint8Array[] = [table.toCsv(), table.toCsv(new Uint32Array([0, 2])), table.toXlsx(), table.rejectsCsv()]
const reasons: string[] = table.reasons()
async function pool(): Promise<[ScoredTable, Validation, QualityReport]> {
  return Promise.all([scoreCsvAsync(csv, bundle, { onProgress: () => {} }), validateAsync(csv, bundle), qualityReportAsync(csv, bundle)])
}
try {
  scoreCsv(csv, bundle)
} catch (e) {
  const code: string = (e as ChurnlensError).code
  console.log(code)
}
// @ts-expect-error: unknown option
scoreCsv(csv, bundle, { topk: 3 })
// @ts-expect-error: a path is not CSV bytes
validate('customers.csv', bundle)
// @ts-expect-error: read-only
table.length = 3

export { bundle2, inputs, mapping, byNames, vp, qtext, n, cols, arrays, tierIx, ids, cells, why, why2, rows, files, reasons, pool }
export { fromBytes, names, format, objective, bias, p, m, q, phi, inter, margin, later }
