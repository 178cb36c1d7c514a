import { useEffect, useState } from 'preact/hooks'
import { initialQuery } from './query'
import { int, pct, tierColor, titleCase } from './format'
import type { ListPage, Query, Scored, SortKey } from './types'

interface Props {
  scored: Scored
  query: Query
  list: ListPage | null
  loading: boolean
  /** The export being written, if any. */
  exporting: 'csv' | 'xlsx' | null
  onQuery: (q: Query) => void
  onOpen: (index: number) => void
  onExport: (format: 'csv' | 'xlsx') => void
}

/** Filters, the sortable paginated list of scored customers, and the exports of the filtered list. */
export function Customers({ scored, query, list, loading, exporting, onQuery, onOpen, onExport }: Props) {
  const [search, setSearch] = useState(query.search)
  const set = (patch: Partial<Query>) => onQuery({ ...query, page: 0, ...patch })

  // Typing narrows the list after a short pause rather than on every key.
  useEffect(() => setSearch(query.search), [query.search])
  useEffect(() => {
    if (search === query.search) return
    const t = setTimeout(() => set({ search }), 200)
    return () => clearTimeout(t)
  }, [search])

  const n = scored.tierNames.length
  const total = list?.total ?? 0
  const pages = Math.max(1, Math.ceil(total / query.pageSize))
  const page = list?.page ?? 0
  const dates = scored.dateColumns
  const dateCol = query.dateColumn >= 0 ? dates[query.dateColumn] : undefined
  const filtered =
    query.search !== '' || query.tiers.length > 0 || query.pMin > 0 || query.pMax < 100 || query.dateFrom !== '' || query.dateTo !== ''

  function toggleTier(t: number) {
    const has = query.tiers.includes(t)
    set({ tiers: has ? query.tiers.filter((x) => x !== t) : [...query.tiers, t].sort() })
  }

  function sortBy(key: SortKey) {
    // A new column starts in its natural direction: riskiest first, otherwise ascending.
    if (query.sort === key) set({ descending: !query.descending })
    else set({ sort: key, descending: key === 'probability' || key === 'tier' })
  }

  const header = (key: SortKey, label: string, cls = '') => {
    const sorted = query.sort === key
    return (
      <th scope="col" class={cls} aria-sort={sorted ? (query.descending ? 'descending' : 'ascending') : 'none'}>
        <button type="button" class="sort" data-sort={key} onClick={() => sortBy(key)}>
          {label}
          <span aria-hidden="true" class="arrow">
            {sorted ? (query.descending ? '▼' : '▲') : '↕'}
          </span>
        </button>
      </th>
    )
  }

  return (
    <>
      <h2 class="visually-hidden">Customers</h2>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter customers">
        <label class="field search">
          <span>Search</span>
          <input
            id="search"
            type="search"
            placeholder="Customer id or any text in the row"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </label>
        <fieldset class="field tiers">
          <legend>Risk tier</legend>
          {scored.tierNames
            .map((t, i) => ({ t, i }))
            .reverse()
            .map(({ t, i }) => (
              <button
                type="button"
                class="chip"
                data-tier={t}
                aria-pressed={query.tiers.includes(i)}
                style={{ '--tier': tierColor(i, n) }}
                onClick={() => toggleTier(i)}
              >
                {titleCase(t)}
              </button>
            ))}
        </fieldset>
        <fieldset class="field range">
          <legend>Churn probability (%)</legend>
          <label>
            <span class="visually-hidden">From (%)</span>
            <input
              id="p-min"
              type="number"
              min={0}
              max={100}
              step={1}
              value={query.pMin}
              onChange={(e) => set({ pMin: clamp(e.currentTarget.valueAsNumber, 0) })}
            />
          </label>
          <span aria-hidden="true">to</span>
          <label>
            <span class="visually-hidden">To (%)</span>
            <input
              id="p-max"
              type="number"
              min={0}
              max={100}
              step={1}
              value={query.pMax}
              onChange={(e) => set({ pMax: clamp(e.currentTarget.valueAsNumber, 100) })}
            />
          </label>
        </fieldset>
        {dates.length > 0 && (
          <fieldset class="field dates">
            <legend>{dates.length > 1 ? 'Date range' : `${dateCol?.header ?? dates[0].header} between`}</legend>
            {dates.length > 1 && (
              <label>
                <span class="visually-hidden">Date column</span>
                <select value={query.dateColumn} onChange={(e) => set({ dateColumn: Number(e.currentTarget.value) })}>
                  {dates.map((d, i) => (
                    <option value={i}>{d.header}</option>
                  ))}
                </select>
              </label>
            )}
            <label>
              <span class="visually-hidden">{dateCol?.header} from</span>
              <input
                id="date-from"
                type="date"
                min={dateCol?.min}
                max={dateCol?.max}
                value={query.dateFrom}
                onChange={(e) => set({ dateFrom: e.currentTarget.value })}
              />
            </label>
            <span aria-hidden="true">to</span>
            <label>
              <span class="visually-hidden">{dateCol?.header} to</span>
              <input
                id="date-to"
                type="date"
                min={dateCol?.min}
                max={dateCol?.max}
                value={query.dateTo}
                onChange={(e) => set({ dateTo: e.currentTarget.value })}
              />
            </label>
          </fieldset>
        )}
        <div class="field actions">
          <button
            type="button"
            class="ghost"
            disabled={!filtered}
            onClick={() => {
              const q = initialQuery()
              q.dateColumn = query.dateColumn
              q.sort = query.sort
              q.descending = query.descending
              q.pageSize = query.pageSize
              setSearch('')
              onQuery(q)
            }}
          >
            Clear filters
          </button>
        </div>
      </form>

      <div class="list-bar" data-seq={list?.seq ?? 0} data-state={loading || search !== query.search ? 'loading' : 'ready'}>
        <p role="status" aria-live="polite" data-testid="match-count">
          {list ? `${int(total)} ${total === 1 ? 'customer' : 'customers'}${filtered ? ' match' : ''}` : 'Loading…'}
        </p>
        <div class="exports">
          <button type="button" id="export-csv" disabled={total === 0 || exporting !== null} onClick={() => onExport('csv')}>
            {exporting === 'csv' ? 'Writing CSV…' : 'Export CSV'}
          </button>
          <button type="button" id="export-xlsx" disabled={total === 0 || exporting !== null} onClick={() => onExport('xlsx')}>
            {exporting === 'xlsx' ? 'Writing Excel…' : 'Export Excel'}
          </button>
        </div>
      </div>

      {list && total === 0 ? (
        <div class="empty" role="status">
          <p>No customer matches these filters.</p>
          <p class="muted">Widen the probability range, pick more tiers, or clear the search.</p>
        </div>
      ) : (
        <div class="table-wrap">
          <table class="customers" aria-label="Scored customers" aria-rowcount={total}>
            <thead>
              <tr>
                {header('customer', 'Customer', 'c-id')}
                {header('probability', 'Churn probability', 'c-p')}
                {header('tier', 'Tier', 'c-tier')}
                <th scope="col" class="c-reason">
                  Top reason
                </th>
                {dates.length > 0 && header('date', dateCol?.header ?? dates[0].header, 'c-date')}
                {header('row', 'Row', 'c-row')}
              </tr>
            </thead>
            <tbody>
              {list?.rows.map((r) => (
                <tr data-index={r.index} data-customer={r.customerId ?? ''} data-p={String(r.probability)}>
                  <td class="c-id">
                    <button type="button" class="link" onClick={() => onOpen(r.index)} aria-label={`Details of ${r.customerId ?? `row ${r.row}`}`}>
                      {r.customerId ?? <span class="muted">row {r.row}</span>}
                    </button>
                  </td>
                  <td class="c-p">
                    <span class="bar" style={{ '--w': pct(r.probability), '--tier': tierColor(r.tier, n) }} aria-hidden="true" />
                    {pct(r.probability)}
                  </td>
                  <td class="c-tier">
                    <span class="tier-badge" style={{ '--tier': tierColor(r.tier, n) }}>
                      {titleCase(scored.tierNames[r.tier] ?? '')}
                    </span>
                  </td>
                  <td class="c-reason">{r.topReason}</td>
                  {dates.length > 0 && <td class="c-date">{r.date ?? ''}</td>}
                  <td class="c-row">{r.row}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <nav class="pager" aria-label="Pages of the customer list">
        <button type="button" aria-label="First page" disabled={page === 0} onClick={() => onQuery({ ...query, page: 0 })}>
          «
        </button>
        <button type="button" id="prev-page" aria-label="Previous page" disabled={page === 0} onClick={() => onQuery({ ...query, page: page - 1 })}>
          ‹ Prev
        </button>
        <span data-testid="page-info">
          Page {page + 1} of {pages}
        </span>
        <button type="button" id="next-page" aria-label="Next page" disabled={page + 1 >= pages} onClick={() => onQuery({ ...query, page: page + 1 })}>
          Next ›
        </button>
        <button type="button" aria-label="Last page" disabled={page + 1 >= pages} onClick={() => onQuery({ ...query, page: pages - 1 })}>
          »
        </button>
        <label class="page-size">
          <span>Rows per page</span>
          <select id="page-size" value={query.pageSize} onChange={(e) => set({ pageSize: Number(e.currentTarget.value) })}>
            {[10, 25, 50, 100].map((k) => (
              <option value={k}>{k}</option>
            ))}
          </select>
        </label>
      </nav>
    </>
  )
}

function clamp(v: number, fallback: number): number {
  return Number.isFinite(v) ? Math.min(100, Math.max(0, v)) : fallback
}
