// Rows/s of predict and shapValues through the WASM package (run `npm run build` first).
//   node bench/shap.mjs [MODEL] [ROWS]
// Defaults: the 500-tree depth-6 XGBoost benchmark model (benches/models, made by
// benches/make_models.py) and 2000 rows of benches/models/X.f64. One thread (no threads in wasm).
import { readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Model } from '../node.js'

const models = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'benches', 'models')
const path = process.argv[2] ?? join(models, 'xgb_500x6.json')
const rows = Number(process.argv[3] ?? 2000)

const model = Model.load(readFileSync(path))
const f = model.numFeatures
const raw = readFileSync(join(models, 'X.f64'))
const all = new Float64Array(raw.buffer, raw.byteOffset, raw.byteLength / 8)
const x = new Float64Array(rows * f)
for (let r = 0; r < rows; r++) {
  for (let j = 0; j < f; j++) x[r * f + j] = j < 30 ? all[(r % (all.length / 30)) * 30 + j] : NaN
}

function time(fn, repeats) {
  fn()
  const t = []
  for (let i = 0; i < repeats; i++) {
    const s = process.hrtime.bigint()
    fn()
    t.push(Number(process.hrtime.bigint() - s) / 1e9)
  }
  return t.sort((a, b) => a - b)[Math.floor(t.length / 2)]
}

const tp = time(() => model.predict(x, rows), 9)
const ts = time(() => model.shapValues(x, rows), 5)
console.log(`wasm ${path.split('/').pop()} (${model.numTrees} trees) ${rows} rows: ` +
  `predict ${(rows / tp).toFixed(0)} rows/s, SHAP ${(rows / ts).toFixed(0)} rows/s`)
