// Bundles, mapColumns, validate, qualityReport and scoreCsv in the built WASM package, on the
// shipped demo: checked against the CLI's run of the same file (the fixtures of the Node
// suite, made by bindings/node/test/fixtures/make_cli_fixture.sh), against the package's own
// Model on the validated inputs (bit for bit), and against the Node package when it is built.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { Bundle, Model, mapColumns, validate, qualityReport, scoreCsv } from 'churnlens-wasm'
import { sheetRows } from '../../node/test/support/xlsx.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const repo = join(here, '..', '..', '..')
const nodePkg = join(repo, 'bindings', 'node')
const fixtures = join(nodePkg, 'test', 'fixtures')
const bundleBytes = readFileSync(join(repo, 'examples', 'demo', 'telco_bundle.json'))
const csv = readFileSync(join(repo, 'examples', 'demo', 'customers_export.csv'))
const cli = JSON.parse(readFileSync(join(fixtures, 'demo_cli_summary.json'), 'utf8'))
const cliCsv = readFileSync(join(fixtures, 'demo_cli.scored.csv'))
const bundle = Bundle.load(bundleBytes)

const hasCode = (code, pattern) => (err) => {
  assert.ok(err instanceof Error, `not an Error: ${err}`)
  assert.equal(err.code, code, `code of: ${err.message}`)
  if (pattern) assert.match(err.message, pattern)
  return true
}

function assertBitIdentical(got, want, what) {
  assert.equal(got.length, want.length, `${what}: length`)
  const g = new BigUint64Array(got.buffer, got.byteOffset, got.length)
  const w = new BigUint64Array(want.buffer, want.byteOffset, want.length)
  for (let i = 0; i < g.length; i++) {
    if (g[i] !== w[i]) assert.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]}`)
  }
}

test('Bundle.load from a Uint8Array or an ArrayBuffer; properties', () => {
  const ab = bundleBytes.buffer.slice(bundleBytes.byteOffset, bundleBytes.byteOffset + bundleBytes.byteLength)
  const b = Bundle.load(ab)
  assert.equal(b.contentHash, bundle.contentHash)
  assert.equal(bundle.name, 'telco-churn-demo')
  assert.deepEqual(bundle.inputs.map((f) => f.name), bundle.featureNames)
  assert.deepEqual(bundle.tiers.map((t) => t.name), ['low', 'medium', 'high'])
  assert.ok(bundle.model instanceof Model)
  assert.deepEqual(bundle.model.featureNames, bundle.featureNames)
  assert.throws(() => Bundle.load('bundle.json'), hasCode('input', /bytes/))
  b.free()
})

test('mapColumns, validate and qualityReport agree with the CLI run', () => {
  const m = mapColumns(csv, bundle)
  assert.deepEqual(m.unmapped, ['Region', 'Account Manager', 'Last Contact', 'Notes'])
  assert.equal(mapColumns(m.headers, bundle).mapping.tenure, m.mapping.tenure)
  assert.deepEqual(mapColumns(['Tenure (months)', 'Notes'], ['tenure']).mapping, { tenure: 'Tenure (months)' })
  const v = validate(csv, bundle)
  assert.equal(v.rows.length, cli.rows_scored)
  assert.equal(v.rejected.length, cli.rows_rejected)
  assert.deepEqual(v.summary.rejected_by_code, cli.rejected_by_code)
  const q = qualityReport(csv, bundle)
  assert.equal(q.rows, cli.rows_read)
  assert.equal(q.score, cli.quality_score)
  assert.match(q.text, /^Data-quality report/)
})

test('scoreCsv: tier counts and the scored CSV equal the CLI run', () => {
  const t = scoreCsv(csv, bundle)
  const s = t.summary
  assert.equal(s.rows_read, cli.rows_read)
  assert.equal(s.rows_scored, cli.rows_scored)
  assert.deepEqual(s.tiers, cli.tiers)
  assert.equal(s.mean_probability, cli.mean_probability)
  const counts = t.tierNames.map(() => 0)
  for (const k of t.tiers()) counts[k]++
  assert.deepEqual(counts, cli.tiers.tiers.map((x) => x.count))
  assert.ok(Buffer.from(t.toCsv()).equals(cliCsv), 'toCsv() differs from the CLI scored CSV')
  t.free()
})

test('scoreCsv: probabilities and SHAP equal Model.predict / shapValues on the validated inputs, bit for bit', () => {
  const t = scoreCsv(csv, bundle, { chunkRows: 97 })
  const v = validate(csv, bundle)
  const model = bundle.model
  assertBitIdentical(t.features(), v.features, 'features')
  assertBitIdentical(t.probabilities(), model.predict(v.features), 'probabilities')
  assertBitIdentical(t.shap(), model.shapValues(v.features), 'shap')
})

test('ScoredTable accessors, progress and stop, xlsx', () => {
  const seen = []
  const t = scoreCsv(csv, bundle, { cells: true, chunkRows: 100, onProgress: (p) => { seen.push(p.rowsRead) } })
  assert.deepEqual(seen, [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000])
  const e = t.explanation(0)
  assert.ok(Math.abs(e.probability - t.probabilities()[0]) < 1e-6) // rebuilt from SHAP in f64
  assert.equal(t.reasons()[0], [...e.raises, ...e.lowers].map((r) => r.text).join('; '))
  assert.equal(t.cells(0)[0], t.customerIds()[0])
  assert.equal(t.rejected()[0].cells.length, t.headers.length)
  const stopped = scoreCsv(csv, bundle, { chunkRows: 100, onProgress: (p) => p.rowsRead < 200 })
  assert.equal(stopped.summary.rows_read, 200)
  assert.equal(stopped.summary.stopped_early, true)
  const pick = new Uint32Array([2, 1])
  const rows = sheetRows(t.toXlsx(pick))
  const ids = t.customerIds()
  assert.equal(rows.length, 3)
  assert.deepEqual(rows.slice(1).map((r) => r[2]), [ids[2], ids[1]])
  assert.throws(() => t.explanation(t.length), hasCode('input', /out of range/))
})

test('bad inputs are typed errors', () => {
  const text = bundleBytes.toString('utf8')
  assert.throws(() => Bundle.load(Buffer.from(text.slice(0, 5000))), hasCode('json'))
  assert.throws(() => Bundle.load(Buffer.from(text.replace('"telco-churn-demo"', '"tampered"'))), hasCode('bundle'))
  assert.throws(() => scoreCsv(Buffer.from('colour,size\nred,3\n'), bundle), hasCode('input', /none of the model's/))
  const xlsx = scoreCsv(csv, bundle).toXlsx(new Uint32Array([0]))
  assert.throws(() => scoreCsv(xlsx, bundle), hasCode('csv', /zip archive/))
  assert.throws(() => mapColumns(Buffer.from([1, 0, 2]), bundle), hasCode('csv', /NUL/))
  assert.throws(() => scoreCsv('a,b\n1,2\n', bundle), hasCode('input', /bytes/))
  assert.throws(() => scoreCsv(csv, bundle, { topk: 3 }), hasCode('input', /unknown field `topk`/))
  assert.throws(() => mapColumns(csv, 'bundle'), hasCode('input', /Bundle or an array/))
  assert.throws(() => scoreCsv(csv, bundle, { onProgress: () => { throw new RangeError('stop here') } }), /stop here/)
})

// The Node package (bindings/node), when it is built: the same bytes, probabilities and SHAP.
const nodeBuilt = existsSync(nodePkg) && readdirSync(nodePkg).some((f) => f.endsWith('.node'))
test('Node and WASM give identical results on the demo', { skip: !nodeBuilt && 'the Node package is not built' }, () => {
  const node = createRequire(import.meta.url)(join(nodePkg, 'index.js'))
  const nb = node.Bundle.load(bundleBytes)
  const a = node.scoreCsv(csv, nb, { cells: true })
  const b = scoreCsv(csv, bundle, { cells: true })
  assert.ok(Buffer.from(a.toCsv()).equals(Buffer.from(b.toCsv())), 'toCsv bytes differ')
  assert.ok(Buffer.from(a.rejectsCsv()).equals(Buffer.from(b.rejectsCsv())), 'rejectsCsv bytes differ')
  assertBitIdentical(a.probabilities(), b.probabilities(), 'probabilities')
  assertBitIdentical(a.shap(), b.shap(), 'shap')
  assertBitIdentical(a.features(), b.features(), 'features')
  assert.deepEqual(a.explanation(3, true), b.explanation(3, true))
  assert.deepEqual(a.rejected(), b.rejected())
  const { timings: ta, rows_per_second: ra, ...sa } = a.summary
  const { timings: tb, rows_per_second: rb, ...sb } = b.summary
  assert.deepEqual(sa, sb)
  assert.deepEqual(node.mapColumns(csv, nb), mapColumns(csv, bundle))
  assert.deepEqual(node.qualityReport(csv, nb), qualityReport(csv, bundle))
  const va = node.validate(csv, nb)
  const vb = validate(csv, bundle)
  assertBitIdentical(va.features, vb.features, 'validate features')
  assert.deepEqual(va.rejected, vb.rejected)
  assert.deepEqual(va.summary, vb.summary)
})
