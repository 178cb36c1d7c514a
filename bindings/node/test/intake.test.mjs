// Bundles, mapColumns, validate, qualityReport and scoreCsv on the shipped demo (the messy CRM
// export examples/demo/customers_export.csv with examples/demo/telco_bundle.json), checked
// against the CLI's run of the same file (test/fixtures/, made by make_cli_fixture.sh) and
// against the package's own Model on the validated inputs, bit for bit.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { sheetRows } from './support/xlsx.mjs'

const require = createRequire(import.meta.url)
const cl = require('../index.js')
const { Bundle, Model, mapColumns, validate, qualityReport, scoreCsv, scoreCsvAsync, validateAsync, qualityReportAsync } = cl

const here = dirname(fileURLToPath(import.meta.url))
const repo = join(here, '..', '..', '..')
const bundlePath = join(repo, 'examples', 'demo', 'telco_bundle.json')
const csv = readFileSync(join(repo, 'examples', 'demo', 'customers_export.csv'))
const cli = JSON.parse(readFileSync(join(here, 'fixtures', 'demo_cli_summary.json'), 'utf8'))
const cliCsv = readFileSync(join(here, 'fixtures', 'demo_cli.scored.csv'))
const bundle = Bundle.load(bundlePath)

const hasCode = (code, pattern) => (err) => {
  assert.ok(err instanceof Error, `not an Error: ${err}`)
  assert.equal(err.code, code, `code of: ${err.message}`)
  if (pattern) assert.match(err.message, pattern)
  return true
}

/** Bitwise equality of two f64 arrays, reporting the first difference. */
function assertBitIdentical(got, want, what) {
  assert.equal(got.length, want.length, `${what}: length`)
  const g = new BigUint64Array(got.buffer, got.byteOffset, got.length)
  const w = new BigUint64Array(want.buffer, want.byteOffset, want.length)
  for (let i = 0; i < g.length; i++) {
    if (g[i] !== w[i]) assert.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]}`)
  }
}

test('Bundle.load from a path and from a Buffer; properties', () => {
  const b = Bundle.load(readFileSync(bundlePath))
  assert.equal(b.contentHash, bundle.contentHash)
  assert.equal(b.contentHash.length, 64)
  assert.equal(bundle.name, 'telco-churn-demo')
  assert.equal(bundle.version, '1.0.0')
  assert.equal(bundle.metadata.content_hash, bundle.contentHash)
  const names = bundle.featureNames
  assert.deepEqual(bundle.inputs.map((f) => f.name), names)
  assert.ok(bundle.schema.length > names.length, 'the schema also has the id and the label')
  assert.deepEqual(bundle.tiers.map((t) => t.name), ['low', 'medium', 'high'])
  assert.ok(bundle.model instanceof Model)
  assert.deepEqual(bundle.model.featureNames, names)
  assert.equal(bundle.model.numFeatures, names.length)
  // A bare model file is a bundle too.
  const bare = Bundle.load(join(repo, 'tests', 'fixtures', 'xgb_binary', 'model.json'))
  assert.deepEqual(bare.featureNames, bare.model.featureNames)
})

test('mapColumns: from CSV bytes, from headers, to feature names; overrides and threshold', () => {
  const m = mapColumns(csv, bundle)
  assert.equal(m.headers.length, 24)
  assert.deepEqual(m.unmapped, ['Region', 'Account Manager', 'Last Contact', 'Notes'])
  for (const [feature, header] of Object.entries(m.mapping)) {
    assert.ok(m.headers.includes(header), `${feature} -> ${header}`)
    assert.ok(m.confidence[feature] >= m.threshold)
  }
  assert.equal(m.features.length, bundle.schema.length)
  assert.deepEqual(Object.keys(m.overrides).sort(), bundle.schema.map((f) => f.name).sort())
  // Headers only: no value evidence, the same names decide.
  const byHeaders = mapColumns(m.headers, bundle)
  assert.equal(byHeaders.mapping.tenure, m.mapping.tenure)
  // Plain feature names.
  const named = mapColumns(['Tenure (months)', 'Monthly Charges', 'Notes'], ['tenure', 'monthly_charges'])
  assert.deepEqual(named.mapping, { monthly_charges: 'Monthly Charges', tenure: 'Tenure (months)' })
  assert.deepEqual(named.unmapped, ['Notes'])
  // An override wins; null keeps a feature unmapped.
  const total = m.mapping.TotalCharges
  const o = mapColumns(csv, bundle, { overrides: { tenure: null, MonthlyCharges: total } })
  assert.equal(o.mapping.tenure, undefined)
  assert.ok(o.missing.includes('tenure'))
  assert.equal(o.mapping.MonthlyCharges, total)
  assert.equal(o.features.find((x) => x.feature === 'MonthlyCharges').source, 'override')
  const strict = mapColumns(csv, bundle, { threshold: 1 })
  assert.ok(Object.keys(strict.mapping).length <= Object.keys(m.mapping).length)
  assert.throws(() => mapColumns(csv, bundle, { threshold: 2 }), hasCode('input', /threshold/))
  assert.throws(() => mapColumns(csv, bundle, { overrides: { nope: 'Region' } }), hasCode('override', /nope/))
})

test('validate: accepted rows feed Model.predict; rejected rows have reasons', () => {
  const v = validate(csv, bundle)
  const f = bundle.featureNames.length
  assert.deepEqual(v.featureNames, bundle.featureNames)
  assert.equal(v.features.length, v.rows.length * f)
  assert.equal(v.summary.accepted, v.rows.length)
  assert.equal(v.summary.rows, cli.rows_read)
  assert.equal(v.rows.length, cli.rows_scored)
  assert.equal(v.rejected.length, cli.rows_rejected)
  assert.deepEqual(v.summary.rejected_by_code, cli.rejected_by_code)
  for (const r of v.rejected) {
    assert.ok(r.codes.length > 0 && r.codes.length === r.reasons.length, JSON.stringify(r))
    assert.ok(r.line > r.row, 'the line counts the header')
  }
  assert.equal(v.customerIds.length, v.rows.length)
  assert.equal(v.labels.length, v.rows.length)
  assert.ok(v.issues.length > 0)
  const p = bundle.model.predict(v.features)
  assert.equal(p.length, v.rows.length)
})

test('qualityReport: the report object with its text', () => {
  const q = qualityReport(csv, bundle)
  assert.equal(q.rows, cli.rows_read)
  assert.equal(q.rows_rejected, cli.rows_rejected)
  assert.equal(q.score, cli.quality_score)
  assert.ok(['good', 'fair', 'poor'].includes(q.grade))
  assert.equal(q.column_quality.length, 24)
  assert.match(q.text, /^Data-quality report/)
  assert.ok(q.accuracy.expected_auc > 0.5)
})

test('scoreCsv: the CLI run of the same file, row for row', () => {
  const t = scoreCsv(csv, bundle)
  const s = t.summary
  assert.equal(s.rows_read, cli.rows_read)
  assert.equal(s.rows_scored, cli.rows_scored)
  assert.equal(s.rows_rejected, cli.rows_rejected)
  assert.deepEqual(s.tiers, cli.tiers)
  assert.equal(s.mean_probability, cli.mean_probability)
  assert.equal(s.base_probability, cli.base_probability)
  assert.equal(t.length, cli.rows_scored)
  assert.deepEqual(t.tierNames, cli.tiers.tiers.map((x) => x.name))
  const counts = t.tierNames.map(() => 0)
  for (const k of t.tiers()) counts[k]++
  assert.deepEqual(counts, cli.tiers.tiers.map((x) => x.count))
  // The scored CSV is the CLI's, byte for byte.
  assert.ok(Buffer.from(t.toCsv()).equals(cliCsv), 'toCsv() differs from the CLI scored CSV')
})

test('scoreCsv: probabilities and SHAP equal Model.predict / shapValues on the validated inputs, bit for bit', () => {
  const t = scoreCsv(csv, bundle, { chunkRows: 97 })
  const v = validate(csv, bundle)
  assertBitIdentical(t.rows(), v.rows, 'rows')
  assertBitIdentical(t.features(), v.features, 'features')
  const model = bundle.model
  assertBitIdentical(t.probabilities(), model.predict(v.features), 'probabilities')
  assertBitIdentical(t.shap(), model.shapValues(v.features), 'shap')
  assert.deepEqual(t.customerIds(), v.customerIds)
})

test('ScoredTable: columns, explanations, reasons, rejected rows, cells', () => {
  const t = scoreCsv(csv, bundle, { cells: true, topK: 2 })
  const n = t.length
  const f = t.featureNames.length
  assert.deepEqual(t.featureNames, bundle.featureNames)
  assert.equal(t.headers.length, 24)
  assert.equal(t.rows().length, n)
  assert.equal(t.lines().length, n)
  assert.equal(t.features().length, n * f)
  assert.equal(t.shap().length, n * (f + 1))
  assert.ok(t.tiers() instanceof Uint8Array)
  assert.equal(t.labelled, false)
  assert.ok(t.labels().every(Number.isNaN))
  const e = t.explanation(0)
  // The explanation's probability is rebuilt from the SHAP values in f64; the model's own
  // (XGBoost) transform runs in f32, as XGBoost's does.
  assert.ok(Math.abs(e.probability - t.probabilities()[0]) < 1e-6)
  assert.ok(e.raises.length <= 2 && e.lowers.length <= 2)
  for (const r of [...e.raises, ...e.lowers]) {
    assert.deepEqual(Object.keys(r), ['feature', 'display_name', 'value', 'input', 'direction', 'contribution', 'points', 'text'])
  }
  const full = t.explanation(0, true)
  const points = [...full.raises, ...full.lowers].reduce((a, r) => a + r.points, 0) + full.other_points
  assert.ok(Math.abs(points - 100 * (full.probability - full.base_probability)) < 1e-9)
  const reasons = t.reasons()
  assert.equal(reasons.length, n)
  assert.equal(reasons[0], [...e.raises, ...e.lowers].map((r) => r.text).join('; '))
  assert.equal(t.cells(0).length, t.headers.length)
  assert.equal(t.cells(0)[0], t.customerIds()[0])
  const rejected = t.rejected()
  assert.equal(rejected.length, cli.rows_rejected)
  assert.deepEqual(Object.keys(rejected[0]), ['row', 'line', 'customerId', 'codes', 'reasons', 'cells'])
  assert.equal(rejected[0].cells.length, t.headers.length)
  assert.throws(() => t.explanation(n), hasCode('input', /out of range/))
  assert.equal(scoreCsv(csv, bundle).cells(0), null)
  assert.match(Buffer.from(t.rejectsCsv()).toString('utf8'), /^row,line,customer_id,reject_codes,reject_reasons,/)
})

test('toCsv and toXlsx with indices: the chosen rows, in that order', () => {
  const t = scoreCsv(csv, bundle)
  const pick = new Uint32Array([5, 0, 3])
  const lines = Buffer.from(t.toCsv(pick)).toString('utf8').trimEnd().split('\n')
  const all = cliCsv.toString('utf8').trimEnd().split('\n')
  assert.deepEqual(lines, [all[0], all[6], all[1], all[4]])
  const xlsx = t.toXlsx(pick)
  assert.ok(xlsx instanceof Uint8Array)
  const rows = sheetRows(xlsx)
  assert.deepEqual(rows[0], all[0].split(','))
  assert.equal(rows.length, 4)
  const ids = t.customerIds()
  assert.deepEqual(rows.slice(1).map((r) => r[2]), [ids[5], ids[0], ids[3]])
  rows.slice(1).forEach((r, k) => assert.equal(Number(r[3]), t.probabilities()[pick[k]]))
  assert.equal(sheetRows(t.toXlsx()).length, t.length + 1)
  assert.throws(() => t.toCsv(new Uint32Array([t.length])), hasCode('input', /out of range/))
})

test('onProgress: called per chunk with rows and bytes; false stops the run', () => {
  const seen = []
  const t = scoreCsv(csv, bundle, { chunkRows: 100, onProgress: (p) => { seen.push(p) } })
  assert.equal(seen.length, 10)
  assert.deepEqual(seen.map((p) => p.rowsRead), [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000])
  assert.equal(seen.at(-1).bytesRead, csv.length)
  assert.ok(seen.every((p) => p.totalBytes === csv.length))
  assert.equal(t.summary.stopped_early, false)
  const stopped = scoreCsv(csv, bundle, { chunkRows: 100, onProgress: (p) => p.rowsRead < 300 })
  assert.equal(stopped.summary.stopped_early, true)
  assert.equal(stopped.summary.rows_read, 300)
  assert.throws(() => scoreCsv(csv, bundle, { onProgress: () => { throw new RangeError('stop here') } }), /stop here/)
})

test('async variants give the same results', async () => {
  const t = await scoreCsvAsync(csv, bundle)
  const s = scoreCsv(csv, bundle)
  assertBitIdentical(t.probabilities(), s.probabilities(), 'probabilities')
  assertBitIdentical(t.shap(), s.shap(), 'shap')
  assert.ok(Buffer.from(t.toCsv()).equals(cliCsv))
  const v = await validateAsync(csv, bundle)
  assertBitIdentical(v.features, validate(csv, bundle).features, 'features')
  const q = await qualityReportAsync(csv, bundle)
  assert.equal(q.text, qualityReport(csv, bundle).text)
  let calls = 0
  const stopped = await scoreCsvAsync(csv, bundle, { chunkRows: 50, onProgress: () => { calls++; return false } })
  assert.ok(calls >= 1)
  assert.equal(stopped.summary.stopped_early, true)
  assert.ok(stopped.summary.rows_read < 1000)
})

test('bad inputs are typed errors (sync throws, async rejects)', async () => {
  // A corrupt bundle.
  const text = readFileSync(bundlePath, 'utf8')
  assert.throws(() => Bundle.load(Buffer.from(text.slice(0, 5000))), hasCode('json'))
  assert.throws(() => Bundle.load(Buffer.from(text.replace('"telco-churn-demo"', '"tampered"'))), hasCode('bundle', /content_hash/))
  assert.throws(() => Bundle.load('/no/such/bundle.json'), hasCode('io'))
  // A CSV with no mappable column.
  const alien = Buffer.from('colour,size\nred,3\nblue,4\n')
  assert.throws(() => scoreCsv(alien, bundle), hasCode('input', /none of the model's 19 input features/))
  assert.throws(() => validate(alien, bundle), hasCode('input', /none of the model's/))
  await assert.rejects(scoreCsvAsync(alien, bundle), hasCode('input', /none of the model's/))
  // Bytes that are not CSV: an xlsx workbook, a PNG, binary noise, nothing.
  const xlsx = scoreCsv(csv, bundle).toXlsx(new Uint32Array([0]))
  assert.throws(() => scoreCsv(xlsx, bundle), hasCode('csv', /zip archive/))
  assert.throws(() => qualityReport(Buffer.from('\x89PNG\r\n\x1a\n\0\0', 'latin1'), bundle), hasCode('csv', /PNG/))
  assert.throws(() => mapColumns(Buffer.from([1, 2, 0, 4]), bundle), hasCode('csv', /NUL byte/))
  assert.throws(() => scoreCsv(Buffer.alloc(0), bundle), hasCode('csv', /empty/))
  // Options.
  assert.throws(() => scoreCsv(csv, bundle, { topk: 3 }), hasCode('input', /unknown field `topk`/))
  assert.throws(() => scoreCsv(csv, bundle, { chunkRows: 0 }), hasCode('input', /chunkRows/))
  assert.throws(() => validate(csv, bundle, { asOf: 'soon' }), hasCode('input', /asOf/))
  assert.throws(() => scoreCsv(csv, bundle, { onProgress: 1 }), hasCode('input', /onProgress/))
  assert.throws(() => scoreCsv(csv, bundle, { overrides: { tenure: 'Nope' } }), hasCode('override', /Nope/))
  await assert.rejects(validateAsync(csv, bundle, { asOf: 'soon' }), hasCode('input', /asOf/))
})
