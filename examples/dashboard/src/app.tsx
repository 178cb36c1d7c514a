import { useEffect, useRef, useState } from 'preact/hooks'
import { ScoringClient } from './client'
import { Customers } from './customers'
import { DataQuality } from './quality'
import { DetailDialog } from './detail'
import { int, pct, stem, download } from './format'
import { Loader, type Picked } from './loader'
import { Overview } from './overview'
import { initialQuery } from './query'
import type { ProgressMessage } from './protocol'
import type { Detail, Failure, ListPage, Overrides, Query, Scored } from './types'

export const DEMO_CSV = 'demo/customers_export.csv'
export const DEMO_BUNDLE = 'demo/telco_bundle.json'

type Tab = 'overview' | 'customers' | 'data'

export interface Problem {
  /** Which file the problem is about, as the user named it. */
  file: string
  failure: Failure
}

export function App() {
  const [client, setClient] = useState(() => new ScoringClient())
  const [busy, setBusy] = useState<string | null>(null)
  const [progress, setProgress] = useState<ProgressMessage | null>(null)
  const [problem, setProblem] = useState<Problem | null>(null)
  const [scored, setScored] = useState<Scored | null>(null)
  const [tab, setTab] = useState<Tab>('overview')
  const [query, setQuery] = useState<Query>(initialQuery)
  const [list, setList] = useState<ListPage | null>(null)
  const [detail, setDetail] = useState<Detail | null>(null)
  const [overrides, setOverrides] = useState<Overrides>({})
  const [bundleName, setBundleName] = useState<string | null>(null)
  const listSeq = useRef(0)
  const [listLoading, setListLoading] = useState(false)
  const [exporting, setExporting] = useState<'csv' | 'xlsx' | null>(null)

  useEffect(() => {
    client.onProgress = setProgress
  }, [client])

  async function run(csv: Picked | null, bundle: Picked | null, nextOverrides: Overrides) {
    setProblem(null)
    setBusy(csv ? `Scoring ${csv.name}` : 'Scoring again with the new mapping')
    setProgress(csv ? { type: 'progress', rowsRead: 0, bytesRead: 0, totalBytes: csv.bytes.byteLength } : null)
    const transfer = [csv?.bytes, bundle?.bytes].filter((b): b is ArrayBuffer => b !== undefined)
    const reply = await client.request({ type: 'score', csv, bundle, overrides: nextOverrides }, transfer)
    setBusy(null)
    setProgress(null)
    if (reply.type === 'error' && reply.failure.code === 'cancelled') return
    if (reply.type === 'error') {
      const file = reply.failure.subject === 'bundle' ? (bundle?.name ?? bundleName ?? 'bundle') : (csv?.name ?? scored?.fileName ?? 'file')
      setProblem({ file, failure: reply.failure })
      if (reply.failure.subject === 'bundle' || csv) setScored(null)
      return
    }
    if (reply.type !== 'score') return
    if (bundle) setBundleName(bundle.name)
    setOverrides(nextOverrides)
    setScored(reply.scored)
    setDetail(null)
    const q = initialQuery()
    if (reply.scored.dateColumns.length > 0) q.dateColumn = 0
    setQuery(q)
    if (csv) setTab('overview')
  }

  async function fetchDemo(path: string): Promise<Picked> {
    const res = await fetch(path)
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`)
    return { name: path.split('/').pop() ?? path, bytes: await res.arrayBuffer() }
  }

  async function load(csv: Picked | null, bundle: Picked | null) {
    try {
      if (bundle) {
        const reply = await client.request({ type: 'bundle', bundle }, [bundle.bytes])
        if (reply.type === 'error') {
          setProblem({ file: bundle.name, failure: reply.failure })
          return
        }
        setProblem(null)
        setBundleName(bundle.name)
      }
      if (csv) {
        // Without a bundle of the user's own, the demo Telco model scores the file.
        const b = bundle || bundleName ? null : await fetchDemo(DEMO_BUNDLE)
        await run(csv, b, {})
      } else if (bundle && scored) {
        // Overrides name the old bundle's features: the new one starts from its own mapping.
        await run(null, null, {})
      }
    } catch (err) {
      setBusy(null)
      setProblem({ file: csv?.name ?? 'demo', failure: { subject: 'run', code: 'fetch', message: String(err) } })
    }
  }

  async function demo() {
    try {
      const [csv, bundle] = await Promise.all([fetchDemo(DEMO_CSV), fetchDemo(DEMO_BUNDLE)])
      await run(csv, bundle, {})
    } catch (err) {
      setProblem({ file: 'demo', failure: { subject: 'run', code: 'fetch', message: String(err) } })
    }
  }

  // The visible page of the customer list follows the query; stale replies are dropped.
  useEffect(() => {
    if (!scored) return
    const seq = ++listSeq.current
    setListLoading(true)
    client.request({ type: 'query', query }).then((reply) => {
      if (seq !== listSeq.current) return
      setListLoading(false)
      if (reply.type === 'query') setList({ total: reply.total, rows: reply.rows, page: reply.page, seq })
      else if (reply.type === 'error') setProblem({ file: scored.fileName, failure: reply.failure })
    })
  }, [client, scored, query])

  async function openDetail(index: number) {
    const reply = await client.request({ type: 'detail', index })
    if (reply.type === 'detail') setDetail(reply.detail)
    else if (reply.type === 'error' && scored) setProblem({ file: scored.fileName, failure: reply.failure })
  }

  async function exportList(format: 'csv' | 'xlsx') {
    if (!scored) return
    setExporting(format)
    const reply = await client.request({ type: 'export', format, query })
    setExporting(null)
    if (reply.type === 'export') {
      const type = format === 'csv' ? 'text/csv' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
      download(reply.bytes, `${stem(scored.fileName)}.scored.${format}`, type)
    } else if (reply.type === 'error') setProblem({ file: scored.fileName, failure: reply.failure })
  }

  async function exportRejects() {
    if (!scored) return
    const reply = await client.request({ type: 'rejects' })
    if (reply.type === 'rejects') download(reply.bytes, `${stem(scored.fileName)}.rejects.csv`, 'text/csv')
    else if (reply.type === 'error') setProblem({ file: scored.fileName, failure: reply.failure })
  }

  // A run cannot be interrupted inside wasm: cancelling replaces the worker (and forgets the
  // loaded bundle with it).
  function cancel() {
    client.terminate()
    setClient(new ScoringClient())
    setBusy(null)
    setProgress(null)
    setBundleName(null)
    reset()
  }

  function reset() {
    setScored(null)
    setList(null)
    setDetail(null)
    setProblem(null)
    setOverrides({})
  }

  const loading = busy !== null
  return (
    <>
      <header class="top">
        <div class="brand">
          <span class="logo" aria-hidden="true">◔</span>
          <div>
            <h1>churnlens</h1>
            <p class="tag">Churn risk, explained. Scored in your browser: no data leaves this machine.</p>
          </div>
        </div>
        {scored && !loading && (
          <button type="button" class="ghost" onClick={reset}>
            Load another file
          </button>
        )}
      </header>
      <main id="main">
        {problem && <ProblemBanner problem={problem} onDismiss={() => setProblem(null)} />}
        {loading && <Progress label={busy} progress={progress} onCancel={cancel} />}
        {!scored && !loading && <Loader onLoad={load} onDemo={demo} bundleName={bundleName} />}
        {scored && !loading && (
          <>
            <RunHeader scored={scored} />
            <Tabs tab={tab} onTab={setTab} rejected={scored.summary.rows_rejected} />
            <section id="panel-overview" role="tabpanel" aria-labelledby="tab-overview" hidden={tab !== 'overview'}>
              <Overview
                scored={scored}
                onData={() => setTab('data')}
                onTier={(t) => {
                  setQuery({ ...query, tiers: [t], page: 0 })
                  setTab('customers')
                }}
              />
            </section>
            <section id="panel-customers" role="tabpanel" aria-labelledby="tab-customers" hidden={tab !== 'customers'}>
              <Customers
                scored={scored}
                query={query}
                list={list}
                loading={listLoading}
                exporting={exporting}
                onQuery={setQuery}
                onOpen={openDetail}
                onExport={exportList}
              />
            </section>
            <section id="panel-data" role="tabpanel" aria-labelledby="tab-data" hidden={tab !== 'data'}>
              <DataQuality
                scored={scored}
                overrides={overrides}
                onRerun={(o) => run(null, null, o)}
                onRejects={exportRejects}
              />
            </section>
          </>
        )}
      </main>
      {detail && scored && <DetailDialog detail={detail} scored={scored} onClose={() => setDetail(null)} />}
    </>
  )
}

function ProblemBanner({ problem, onDismiss }: { problem: Problem; onDismiss: () => void }) {
  const { file, failure } = problem
  let title: string
  let hint: string
  if (failure.code === 'file_type') {
    title = `“${file}” is not a customer table`
    hint = 'Choose a CSV export (comma, semicolon, tab or pipe separated; UTF-8, UTF-16 or Windows-1252).'
  } else if (failure.subject === 'bundle') {
    title = `The model bundle “${file}” could not be read`
    hint = 'Choose a bundle written by churnlens bundle build (or an XGBoost / LightGBM model file), or leave it out to use the demo model.'
  } else if (failure.subject === 'csv') {
    title = `“${file}” could not be scored`
    hint = 'The file must have a header row whose columns name the model’s features (e.g. tenure, contract, monthly charges).'
  } else if (failure.code === 'crashed') {
    title = 'The scoring engine stopped'
    hint = 'This is a bug in churnlens; please report it with the file if you can. Reload the page to start again.'
  } else {
    title = 'Something went wrong'
    hint = 'Reload the page and try again.'
  }
  return (
    <div class="problem" role="alert" data-code={failure.code} data-subject={failure.subject}>
      <div>
        <strong>{title}</strong>
        <p class="message">{failure.message}</p>
        <p class="hint">{hint}</p>
      </div>
      <button type="button" class="ghost" onClick={onDismiss} aria-label="Dismiss the message">
        ✕
      </button>
    </div>
  )
}

function Progress({ label, progress, onCancel }: { label: string; progress: ProgressMessage | null; onCancel: () => void }) {
  const share = progress && progress.totalBytes > 0 ? Math.min(1, progress.bytesRead / progress.totalBytes) : null
  return (
    <div class="progress" role="status" aria-live="polite">
      <p>{label}…</p>
      <progress max={1} value={share ?? undefined} aria-label="Scoring progress" />
      <p class="muted">
        {progress ? `${int(progress.rowsRead)} rows read` : 'Reading the file'}
        {share !== null ? ` · ${pct(share, 0)}` : ''}
      </p>
      <button type="button" class="ghost" id="cancel" onClick={onCancel}>
        Cancel
      </button>
    </div>
  )
}

function RunHeader({ scored }: { scored: Scored }) {
  const s = scored.summary
  return (
    <section class="run" aria-label="This run">
      <div>
        <h2 class="file">{scored.fileName}</h2>
        <p class="muted">
          Model {s.model.name} {s.model.version} ({scored.bundleName}) · scored in {(scored.elapsedMs / 1000).toFixed(2)} s
        </p>
      </div>
      <dl class="figures">
        <div>
          <dt>Rows read</dt>
          <dd data-testid="rows-read">{int(s.rows_read)}</dd>
        </div>
        <div>
          <dt>Scored</dt>
          <dd data-testid="rows-scored">{int(s.rows_scored)}</dd>
        </div>
        <div>
          <dt>Rejected</dt>
          <dd data-testid="rows-rejected">{int(s.rows_rejected)}</dd>
        </div>
        <div>
          <dt>Data quality</dt>
          <dd>
            {pct(s.quality.score, 0)} <span class={`grade ${s.quality.grade}`}>{s.quality.grade}</span>
          </dd>
        </div>
      </dl>
    </section>
  )
}

const TABS: { id: Tab; label: string }[] = [
  { id: 'overview', label: 'Overview' },
  { id: 'customers', label: 'Customers' },
  { id: 'data', label: 'Mapping & quality' },
]

function Tabs({ tab, onTab, rejected }: { tab: Tab; onTab: (t: Tab) => void; rejected: number }) {
  // Arrow keys move between tabs (the WAI-ARIA tabs pattern); Tab moves into the panel.
  function onKey(ev: KeyboardEvent) {
    const i = TABS.findIndex((t) => t.id === tab)
    let j = i
    if (ev.key === 'ArrowRight') j = (i + 1) % TABS.length
    else if (ev.key === 'ArrowLeft') j = (i + TABS.length - 1) % TABS.length
    else if (ev.key === 'Home') j = 0
    else if (ev.key === 'End') j = TABS.length - 1
    else return
    ev.preventDefault()
    onTab(TABS[j].id)
    document.getElementById(`tab-${TABS[j].id}`)?.focus()
  }
  return (
    <div class="tabs" role="tablist" aria-label="Dashboard views" onKeyDown={onKey}>
      {TABS.map((t) => (
        <button
          type="button"
          role="tab"
          id={`tab-${t.id}`}
          aria-controls={`panel-${t.id}`}
          aria-selected={tab === t.id}
          tabIndex={tab === t.id ? 0 : -1}
          onClick={() => onTab(t.id)}
        >
          {t.label}
          {t.id === 'data' && rejected > 0 && <span class="badge">{int(rejected)} rejected</span>}
        </button>
      ))}
    </div>
  )
}
