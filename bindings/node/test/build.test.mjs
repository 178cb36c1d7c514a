// buildBundle: the core's BundleBuilder from Node. The same model, training data, `created`
// and `seed` give the bundle bytes the CLI's `churnlens bundle build` writes (and Python's
// `Bundle.build`, when the wheel is installed in the repository's .venv): all three are one
// code path in churn-core, and this test is where all three runtimes meet in CI (.ci/run runs
// cargo test, which builds the CLI, then the Python suite, then this one).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Bundle, buildBundle } = require('../index.js')

const here = dirname(fileURLToPath(import.meta.url))
const repo = join(here, '..', '..', '..')
const modelPath = join(repo, 'tests', 'fixtures', 'xgb_binary', 'model.json')
const trainingPath = join(repo, 'tests', 'data', 'bundle_training.csv')
const model = readFileSync(modelPath)
const csv = readFileSync(trainingPath)
const cliBin = ['debug', 'release'].map((p) => join(repo, 'target', p, 'churnlens')).find(existsSync)
const python = join(repo, '.venv', 'bin', 'python')

const created = '2026-12-01T00:00:00Z'
const options = (seed) => ({
  name: 'parity', source: 'parity', created, sampleRows: 50, bins: 5,
  tiers: [{ name: 'low', min_probability: 0 }, { name: 'medium', min_probability: 0.3 },
    { name: 'high', min_probability: 0.6 }],
  ...(seed === undefined ? {} : { seed }),
})

/** The training CSV as a matrix: its columns after customerID are the model's features, in
 * order; the last is the Yes/No label (blank = unlabelled). */
function matrixOf(text) {
  const rows = text.trim().split('\n').slice(1).map((l) => l.split(','))
  const x = new Float64Array(rows.flatMap((r) => r.slice(1, 9).map((c) => (c === '' ? NaN : Number(c)))))
  const labels = new Float64Array(rows.map((r) => ({ Yes: 1, No: 0 })[r[9]] ?? NaN))
  return { x, labels }
}

function cliBundle(seed) {
  const dir = mkdtempSync(join(tmpdir(), 'churnlens-build-'))
  copyFileSync(modelPath, join(dir, 'model.json'))
  const args = ['bundle', 'build', '--model', 'model.json', '--training', trainingPath,
    '--out', 'out.json', '--sample-rows', '50', '--bins', '5', '--tiers', '0.3,0.6',
    '--name', 'parity', '--source', 'parity', '--created', created]
  if (seed !== undefined) args.push('--seed', String(seed))
  const run = spawnSync(cliBin, args, { cwd: dir, encoding: 'utf8' })
  assert.equal(run.status, 0, run.stderr)
  return readFileSync(join(dir, 'out.json'), 'utf8')
}

function pythonBundle(seed) {
  const script = `
import sys, pandas as pd, churnlens as cl
seed = None if sys.argv[3] == "none" else int(sys.argv[3])
df = pd.read_csv(sys.argv[2], dtype={"customerID": str})
b = cl.Bundle.build(open(sys.argv[1], "rb").read(), df, label="Churn", id_column="customerID",
                    sample_size=50, bins=5, tiers={"low": 0.0, "medium": 0.3, "high": 0.6},
                    name="parity", source="parity", created="${created}", seed=seed)
sys.stdout.write(b.to_json())
`
  const run = spawnSync(python, ['-c', script, modelPath, trainingPath, String(seed ?? 'none')],
    { cwd: tmpdir(), encoding: 'utf8', maxBuffer: 1 << 26 })
  assert.equal(run.status, 0, run.stderr)
  return run.stdout
}

const pythonReady = existsSync(python)
  && spawnSync(python, ['-c', 'import churnlens, pandas'], { cwd: tmpdir() }).status === 0

for (const seed of [undefined, 7]) {
  test(`a CSV and a matrix give the same bundle (seed ${seed})`, () => {
    const fromCsv = buildBundle(model, csv, options(seed)).toJson()
    const fromMatrix = buildBundle(model, matrixOf(csv.toString('utf8')), options(seed)).toJson()
    assert.equal(fromMatrix, fromCsv)
    const b = Bundle.load(Buffer.from(fromCsv))
    assert.equal(b.metadata.created, created)
    assert.deepEqual(Object.keys(b.metadata.metrics), ['training_auc', 'training_rows'])
    assert.equal(b.metadata.metrics.training_rows, 240)
    assert.deepEqual(b.tiers.map((t) => t.min_probability), [0, 0.3, 0.6])
  })

  test(`Node and the CLI write the same bytes (seed ${seed})`, (t) => {
    if (!cliBin) return t.skip('the churnlens CLI is not built (cargo build -p churnlens-cli)')
    const node = buildBundle(model, matrixOf(csv.toString('utf8')), options(seed)).toJson()
    assert.equal(node, cliBundle(seed))
  })

  test(`Python writes the same bytes as Node (seed ${seed})`, (t) => {
    if (!pythonReady) return t.skip('no churnlens wheel in .venv (.ci/python.sh installs it)')
    const node = buildBundle(model, matrixOf(csv.toString('utf8')), options(seed)).toJson()
    assert.equal(pythonBundle(seed), node)
  })
}

test('the sample is evenly spaced without a seed, and seeded with one', () => {
  const m = matrixOf(csv.toString('utf8'))
  const even = Bundle.load(Buffer.from(buildBundle(model, m, { created, sampleRows: 8 }).toJson()))
  const labelled = [...m.labels.keys()].filter((i) => !Number.isNaN(m.labels[i]))
  const picks = [...Array(8).keys()].map((j) => labelled[Math.floor((j * labelled.length) / 8)])
  const sample = JSON.parse(even.toJson()).sample
  assert.deepEqual(sample.labels, picks.map((i) => m.labels[i]))
  const seeded = JSON.parse(buildBundle(model, m, { created, sampleRows: 8, seed: 1 }).toJson()).sample
  assert.notDeepEqual(seeded.rows, sample.rows)
  assert.equal(seeded.rows.length, 8)
})

test('buildBundle refuses models that are not binary classifiers, and bad options', () => {
  const multi = readFileSync(join(repo, 'tests', 'fixtures', 'xgb_multiclass', 'model.json'))
  assert.throws(() => buildBundle(multi, csv), (e) => e.code === 'unsupported'
    && /binary classification/.test(e.message))
  assert.throws(() => buildBundle(model, csv, { seed: -1 }), (e) => e.code === 'input')
  assert.throws(() => buildBundle(model, { x: new Float64Array(7) }),
    (e) => e.code === 'input' && /whole rows/.test(e.message))
  assert.throws(() => buildBundle(model, Buffer.from('a,b\n1,2\n')),
    (e) => e.code === 'input' && /no churn label column/.test(e.message))
})
