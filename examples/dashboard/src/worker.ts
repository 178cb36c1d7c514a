/// <reference lib="webworker" />
// The scoring worker: loads the wasm package, scores the customer file into a `ScoredTable`
// kept in wasm memory, and answers the page's requests (a page of the filtered, sorted list,
// one customer's detail, exports). Filtering and sorting 100k rows happen here, off the main
// thread, so the page stays responsive whatever the file size.
import init, { Bundle, checkText, parseDate, scoreCsv, type ScoredTable } from 'churnlens-wasm/web'
import type { Envelope, Request, Reply } from './protocol'
import type { DateColumn, Detail, Failure, Histogram, ListRow, Query, RejectedRow, RunSummary, Scored } from './types'

declare const self: DedicatedWorkerGlobalScope

const ready = init()

/** Bins of the probability histogram (2 points wide). */
const BINS = 50

interface State {
  csv: { name: string; bytes: Uint8Array } | null
  bundle: { name: string; handle: Bundle } | null
  table: ScoredTable | null
  probabilities: Float64Array
  tiers: Uint8Array
  ids: (string | null)[]
  rows: Float64Array
  lines: Float64Array
  /** Per date column: days since 1970-01-01 per scored row, NaN when blank or unreadable. */
  dates: Float64Array[]
  dateColumns: DateColumn[]
  /** Lower-cased text of each row's cells, for the search. */
  text: string[] | null
  /** The last filtered and sorted order, keyed by its query without the page. */
  order: { key: string; indices: Uint32Array } | null
}

const state: State = {
  csv: null,
  bundle: null,
  table: null,
  probabilities: new Float64Array(0),
  tiers: new Uint8Array(0),
  ids: [],
  rows: new Float64Array(0),
  lines: new Float64Array(0),
  dates: [],
  dateColumns: [],
  text: null,
  order: null,
}

/** Set when the wasm module trapped: its memory may be inconsistent, so it is not used again. */
let trapped: string | null = null

function fail(subject: Failure['subject'], err: unknown): Failure {
  if (err instanceof WebAssembly.RuntimeError) {
    trapped = err.message
    return { subject: 'run', code: 'crashed', message: `the scoring engine stopped (${err.message})` }
  }
  const e = err as { code?: unknown; message?: unknown }
  return {
    subject,
    code: typeof e?.code === 'string' ? e.code : 'error',
    message: typeof e?.message === 'string' ? e.message : String(err),
  }
}

class Refused extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message)
  }
}

function loadBundle(b: { name: string; bytes: ArrayBuffer }) {
  let handle: Bundle
  try {
    handle = Bundle.load(new Uint8Array(b.bytes))
  } catch (err) {
    throw new Refused(fail('bundle', err))
  }
  state.bundle?.handle.free()
  state.bundle = { name: b.name, handle }
}

/**
 * Refuses a chosen customer file that is not a table before it replaces the loaded one: the
 * core's check, the one `scoreCsv` makes first, here so that the page can say "not a table".
 */
function checkTable(bytes: Uint8Array) {
  try {
    checkText(bytes)
  } catch (err) {
    const failure = fail('csv', err)
    throw new Refused(failure.code === 'csv' ? { ...failure, code: 'file_type' } : failure)
  }
}

/** Whether the core reads `bytes` as a model bundle (or a bare model). */
function isBundle(bytes: Uint8Array): boolean {
  try {
    Bundle.load(bytes).free()
    return true
  } catch {
    return false
  }
}

function score(req: Extract<Request, { type: 'score' }>): Scored {
  if (req.bundle) loadBundle(req.bundle)
  const previous = state.csv
  if (req.csv) {
    const bytes = new Uint8Array(req.csv.bytes)
    checkTable(bytes)
    state.csv = { name: req.csv.name, bytes }
  }
  const { csv, bundle } = state
  if (!csv) throw new Refused({ subject: 'csv', code: 'input', message: 'no customer file loaded' })
  if (!bundle) throw new Refused({ subject: 'bundle', code: 'input', message: 'no model bundle loaded' })

  const started = performance.now()
  let lastPost = 0
  let table: ScoredTable
  try {
    table = scoreCsv(csv.bytes, bundle.handle, {
      overrides: req.overrides,
      cells: true,
      onProgress: (p) => {
        // Throttled: one message per 100 ms is plenty for a progress bar.
        const now = performance.now()
        if (now - lastPost > 100) {
          lastPost = now
          const env: Envelope = {
            id: 0,
            progress: { type: 'progress', rowsRead: p.rowsRead, bytesRead: p.bytesRead, totalBytes: p.totalBytes },
          }
          self.postMessage(env)
        }
      },
    })
  } catch (err) {
    const failure = fail('csv', err)
    // A bundle dropped alone, or into the customer file's slot, is text but not a table; the
    // core's loader recognises it (tried only after a failure: loading costs a copy of the file).
    if (req.csv && failure.code !== 'crashed' && failure.code !== 'internal' && isBundle(csv.bytes)) {
      state.csv = previous
      const message = 'it is a model bundle (or a model file): choose it as the bundle, not as the customer table'
      throw new Refused({ subject: 'csv', code: 'file_type', message })
    }
    throw new Refused(failure)
  }
  state.table?.free()
  state.table = table
  state.probabilities = table.probabilities()
  state.tiers = table.tiers()
  state.ids = table.customerIds()
  state.rows = table.rows()
  state.lines = table.lines()
  state.order = null
  const summary = table.summary
  index(table, summary)
  const elapsedMs = performance.now() - started
  return {
    fileName: csv.name,
    bundleName: bundle.name,
    summary,
    length: table.length,
    headers: table.headers,
    featureNames: table.featureNames,
    tierNames: table.tierNames,
    dateColumns: state.dateColumns,
    histogram: histogram(table.tierNames.length),
    // The page lists the first rejected rows; the download (rejectsCsv) has them all.
    rejected: table.rejected().slice(0, 1000).map(
      (r): RejectedRow => ({ row: r.row, line: r.line, customerId: r.customerId, codes: r.codes, reasons: r.reasons }),
    ),
    elapsedMs,
  }
}

/**
 * One pass over the kept cells: the search text of each row, and the date columns (the core's
 * quality report calls them `date`) read into day numbers by the core's `parseDate`.
 */
function index(table: ScoredTable, summary: RunSummary) {
  const columns = summary.quality.column_quality
    .filter((c) => c.dominant_type === 'date')
    .map((c) => table.headers.indexOf(c.header))
    .filter((c) => c >= 0)
  const n = table.length
  const dates = columns.map(() => new Float64Array(n).fill(NaN))
  const text: string[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const cells = table.cells(i)
    // \u0001 between cells, so that a search never matches across two cells.
    text[i] = (cells ? cells.join('\u0001') : (state.ids[i] ?? '')).toLowerCase()
    if (!cells) continue
    for (let k = 0; k < columns.length; k++) {
      dates[k][i] = parseDate(cells[columns[k]] ?? '')
    }
  }
  state.text = text
  state.dateColumns = []
  state.dates = []
  columns.forEach((c, k) => {
    let min = Infinity
    let max = -Infinity
    for (const d of dates[k]) {
      if (d < min) min = d
      if (d > max) max = d
    }
    // A column whose cells never read as dates here has nothing to filter on.
    if (min <= max) {
      state.dateColumns.push({ column: c, header: table.headers[c], min: isoDay(min), max: isoDay(max) })
      state.dates.push(dates[k])
    }
  })
}

/** Days since 1970-01-01 (the core's day numbers, see parseDate) as YYYY-MM-DD. */
function isoDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10)
}

function histogram(tiers: number): Histogram {
  const counts = Array.from({ length: tiers }, () => new Array<number>(BINS).fill(0))
  const p = state.probabilities
  for (let i = 0; i < p.length; i++) {
    const bin = Math.min(BINS - 1, Math.floor(p[i] * BINS))
    const row = counts[state.tiers[i]]
    if (row) row[bin] += 1
  }
  return { bins: BINS, counts }
}

/** The scored-row indices the query keeps, in its sort order. */
function select(q: Query): Uint32Array {
  const key = JSON.stringify({ ...q, page: 0, pageSize: 0 })
  if (state.order?.key === key) return state.order.indices
  const { probabilities: p, tiers, ids, rows } = state
  const n = p.length
  const keepTier = q.tiers.length > 0 ? new Set(q.tiers) : null
  const needle = q.search.trim().toLowerCase()
  const text = needle ? state.text : null
  const dates = q.dateColumn >= 0 ? state.dates[q.dateColumn] : undefined
  // The inputs give YYYY-MM-DD, or '' for no bound: NaN, which no comparison below fails.
  const from = dates ? parseDate(q.dateFrom) : NaN
  const to = dates ? parseDate(q.dateTo) : NaN
  const dated = dates && !(Number.isNaN(from) && Number.isNaN(to))
  const out = new Uint32Array(n)
  let m = 0
  for (let i = 0; i < n; i++) {
    if (keepTier && !keepTier.has(tiers[i])) continue
    const pct = p[i] * 100
    if (pct < q.pMin || pct > q.pMax) continue
    if (text && !text[i].includes(needle)) continue
    if (dated) {
      const d = dates[i]
      if (Number.isNaN(d) || d < from || d > to) continue
    }
    out[m++] = i
  }
  const indices = out.slice(0, m)
  const sign = q.descending ? -1 : 1
  // Ties always fall back to the input order (row), as the CLI's riskiest list does.
  const byRow = (a: number, b: number) => rows[a] - rows[b]
  let cmp: (a: number, b: number) => number
  switch (q.sort) {
    case 'probability':
      cmp = (a, b) => sign * (p[a] - p[b]) || byRow(a, b)
      break
    case 'tier':
      cmp = (a, b) => sign * (tiers[a] - tiers[b] || p[a] - p[b]) || byRow(a, b)
      break
    case 'customer':
      cmp = (a, b) => {
        const x = ids[a] ?? ''
        const y = ids[b] ?? ''
        return sign * (x < y ? -1 : x > y ? 1 : 0) || byRow(a, b)
      }
      break
    case 'date': {
      const d = dates ?? state.dates[0]
      // Rows without a date go last in either direction.
      cmp = d
        ? (a, b) => {
            const x = d[a]
            const y = d[b]
            if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(x)) - Number(Number.isNaN(y)) || byRow(a, b)
            return sign * (x - y) || byRow(a, b)
          }
        : (a, b) => sign * byRow(a, b)
      break
    }
    default:
      cmp = (a, b) => sign * byRow(a, b)
  }
  indices.sort(cmp)
  state.order = { key, indices }
  return indices
}

function page(q: Query): Reply {
  const table = state.table
  if (!table) throw new Refused({ subject: 'run', code: 'input', message: 'nothing is scored yet' })
  const indices = select(q)
  const pages = Math.max(1, Math.ceil(indices.length / q.pageSize))
  const pageNo = Math.min(Math.max(0, q.page), pages - 1)
  const start = pageNo * q.pageSize
  const dates = state.dates[q.dateColumn >= 0 ? q.dateColumn : 0]
  const rows: ListRow[] = []
  for (const i of indices.subarray(start, start + q.pageSize)) {
    const e = table.explanation(i, false)
    const d = dates?.[i]
    rows.push({
      index: i,
      row: state.rows[i],
      line: state.lines[i],
      customerId: state.ids[i] ?? null,
      probability: state.probabilities[i],
      tier: state.tiers[i],
      topReason: e?.raises[0]?.text ?? e?.lowers[0]?.text ?? '',
      date: d === undefined || Number.isNaN(d) ? null : isoDay(d),
    })
  }
  return { type: 'query', total: indices.length, rows, page: pageNo }
}

function detail(index: number): Detail {
  const table = state.table
  if (!table || index < 0 || index >= table.length) {
    throw new Refused({ subject: 'run', code: 'input', message: `no customer at index ${index}` })
  }
  const f = table.featureNames.length
  const features = table.features()
  return {
    index,
    row: state.rows[index],
    line: state.lines[index],
    customerId: state.ids[index] ?? null,
    probability: state.probabilities[index],
    tier: state.tiers[index],
    explanation: table.explanation(index, false),
    full: table.explanation(index, true),
    cells: table.cells(index) ?? null,
    features: Array.from(features.subarray(index * f, (index + 1) * f)),
  }
}

function handle(req: Request): { reply: Reply; transfer: Transferable[] } {
  switch (req.type) {
    case 'score':
      return { reply: { type: 'score', scored: score(req) }, transfer: [] }
    case 'bundle':
      loadBundle(req.bundle)
      return { reply: { type: 'bundle', name: req.bundle.name }, transfer: [] }
    case 'query':
      return { reply: page(req.query), transfer: [] }
    case 'detail':
      return { reply: { type: 'detail', detail: detail(req.index) }, transfer: [] }
    case 'export': {
      const table = state.table
      if (!table) throw new Refused({ subject: 'run', code: 'input', message: 'nothing is scored yet' })
      const indices = select(req.query)
      const bytes = req.format === 'csv' ? table.toCsv(indices) : table.toXlsx(indices)
      return { reply: { type: 'export', bytes, count: indices.length }, transfer: [bytes.buffer] }
    }
    case 'rejects': {
      const table = state.table
      if (!table) throw new Refused({ subject: 'run', code: 'input', message: 'nothing is scored yet' })
      const bytes = table.rejectsCsv()
      return { reply: { type: 'rejects', bytes }, transfer: [bytes.buffer] }
    }
  }
}

// Requests run one at a time in arrival order; the page matches replies by id.
self.onmessage = async (ev: MessageEvent<{ id: number; req: Request }>) => {
  const { id, req } = ev.data
  let env: Envelope
  let transfer: Transferable[] = []
  try {
    await ready
    if (trapped !== null) {
      throw new Refused({ subject: 'run', code: 'crashed', message: `the scoring engine stopped earlier (${trapped})` })
    }
    const out = handle(req)
    env = { id, reply: out.reply }
    transfer = out.transfer
  } catch (err) {
    const failure = err instanceof Refused ? err.failure : fail('run', err)
    env = { id, reply: { type: 'error', failure } }
  }
  self.postMessage(env, transfer)
}
