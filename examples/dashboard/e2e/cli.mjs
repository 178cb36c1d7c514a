// The expected values of the e2e suite come from the churnlens CLI run on the same files:
// `churnlens score FILE --bundle B --json` (summary, tiers, the riskiest customers) and the
// JSON-lines and rejects files it writes. CHURNLENS_BIN points at a built binary; otherwise
// `cargo run -p churnlens-cli` builds and runs it (the debug profile CI's `cargo test` has built).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Papa from 'papaparse'

export const ROOT = new URL('../../../', import.meta.url).pathname
export const DEMO_CSV = join(ROOT, 'examples/demo/customers_export.csv')
export const DEMO_BUNDLE = join(ROOT, 'examples/demo/telco_bundle.json')

function churnlens(args) {
  const env = { ...process.env, CARGO_TERM_COLOR: 'never' }
  const opts = { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] }
  if (process.env.CHURNLENS_BIN) return execFileSync(process.env.CHURNLENS_BIN, args, opts)
  return execFileSync('cargo', ['run', '-q', '-p', 'churnlens-cli', '--', ...args], opts)
}

/** Parses CSV text (header row first) into objects. */
export function parseCsv(text) {
  const out = Papa.parse(text, { header: true, skipEmptyLines: 'greedy' })
  if (out.errors.length) throw new Error(`CSV parse errors: ${JSON.stringify(out.errors.slice(0, 3))}`)
  return out.data
}

/**
 * Scores `csv` with the CLI. Returns { summary, riskiest, scored, rejects }: `scored` has one
 * object per scored customer from the JSON-lines output (row, line, customer_id, probability,
 * tier, raises, lowers, ...), `rejects` the rows of the rejects CSV.
 */
export function cliScore(csv, { bundle = DEMO_BUNDLE, overrides = null, top = 10 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'churnlens-e2e-'))
  const args = ['score', csv, '--bundle', bundle, '--json', '--no-log', '--quiet', '--top', String(top), '--out-dir', dir]
  if (overrides) {
    const file = join(dir, 'overrides.json')
    writeFileSync(file, JSON.stringify({ columns: overrides }))
    args.push('--overrides', file)
  }
  const out = JSON.parse(churnlens(args))
  const scored = readFileSync(out.outputs.scored_jsonl, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l))
  const rejectsText = readFileSync(out.outputs.rejects_csv, 'utf8')
  // Records, not objects: a ragged row has more cells than the header.
  const rejects = Papa.parse(rejectsText, { skipEmptyLines: 'greedy' }).data.slice(1)
  return { summary: out.summary, riskiest: out.riskiest, scored, rejects, rejectsText }
}

/**
 * The error the CLI reports for `args` (`{ error, exit_code }` of `--json`), with its
 * `input FILE: ` / `bundle FILE: ` prefix cut, so that it reads as the core's message.
 */
export function cliError(args) {
  try {
    churnlens([...args, '--json', '--quiet'])
  } catch (err) {
    const out = JSON.parse(err.stdout)
    return { ...out, message: out.error.replace(/^(input|bundle) [^:]*: /, '') }
  }
  throw new Error(`churnlens ${args.join(' ')} succeeded`)
}

/** The CLI's column mapping of `csv` (`churnlens map FILE --json`): headers, features, unmapped. */
export function cliMap(csv, { bundle = DEMO_BUNDLE } = {}) {
  return JSON.parse(churnlens(['map', csv, '--bundle', bundle, '--json', '--quiet'])).mapping
}

/** The records of a CSV file as arrays of cells: the header, then data row k at index k. */
export function inputRows(csv) {
  return Papa.parse(readFileSync(csv, 'utf8'), { header: false, skipEmptyLines: false }).data
}

/**
 * A cell of the demo's Last Contact column as YYYY-MM-DD, else null: the test's own reading of
 * the column's two formats (ISO, or a/b/yyyy month first unless a > 12), not the core's.
 */
export function isoOf(cell) {
  const t = (cell ?? '').trim()
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t)
  if (m) return `${m[1]}-${m[2]}-${m[3]}`
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t)
  if (!m) return null
  let [a, b] = [Number(m[1]), Number(m[2])]
  if (a > 12) [a, b] = [b, a]
  return `${m[3]}-${String(a).padStart(2, '0')}-${String(b).padStart(2, '0')}`
}
