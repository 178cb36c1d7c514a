import { useState } from 'preact/hooks'
import { int, pct, tierColor, titleCase } from './format'
import { useWidth } from './size'
import type { Histogram, Scored } from './types'

/** Tier cards (highest risk first), summary figures and the probability chart. */
export function Overview({ scored, onTier, onData }: { scored: Scored; onTier: (tier: number) => void; onData: () => void }) {
  const s = scored.summary
  if (s.rows_scored === 0) {
    return (
      <div class="empty" role="status" data-testid="nothing-scored">
        <h2>No customer could be scored</h2>
        <p>
          {s.rows_read === 0
            ? `${scored.fileName} has a header row but no data rows.`
            : `All ${int(s.rows_read)} rows were rejected by validation.`}
        </p>
        {s.rows_read > 0 && (
          <button type="button" class="primary" onClick={onData}>
            See why, and check the mapping
          </button>
        )}
      </div>
    )
  }
  const tiers = s.tiers.tiers
  const n = tiers.length
  const order = tiers.map((_, i) => i).reverse()
  const expected = (s.mean_probability ?? 0) * s.rows_scored
  return (
    <>
      <h2 class="visually-hidden">Overview</h2>
      <ul class="cards" aria-label="Customers per risk tier">
        {order.map((i) => {
          const t = tiers[i]
          const upper = i + 1 < n ? tiers[i + 1].min_probability : 1
          return (
            <li class="card" data-tier={t.name} style={{ '--tier': tierColor(i, n) }}>
              <button type="button" onClick={() => onTier(i)} aria-label={`${titleCase(t.name)} risk: ${t.count} customers; show them`}>
                <span class="card-title">{titleCase(t.name)} risk</span>
                <span class="card-count" data-testid={`tier-count-${t.name}`}>
                  {int(t.count)}
                </span>
                <span class="card-share">{pct(t.percent / 100)} of scored</span>
                <span class="card-range muted">
                  churn probability {pct(t.min_probability, 0)}
                  {i + 1 < n ? `–${pct(upper, 0)}` : ' and up'}
                </span>
              </button>
            </li>
          )
        })}
      </ul>
      <dl class="figures wide">
        <div>
          <dt>Customers scored</dt>
          <dd>{int(s.rows_scored)}</dd>
        </div>
        <div>
          <dt>Mean churn probability</dt>
          <dd>{s.mean_probability === null ? '–' : pct(s.mean_probability)}</dd>
        </div>
        <div>
          <dt>Expected to leave</dt>
          <dd title="The sum of the churn probabilities">{int(Math.round(expected))}</dd>
        </div>
        <div>
          <dt>Training base rate</dt>
          <dd>{s.base_probability === null ? '–' : pct(s.base_probability)}</dd>
        </div>
      </dl>
      <ProbabilityChart histogram={scored.histogram} tierNames={scored.tierNames} />
    </>
  )
}

const PAD = { left: 44, right: 12, top: 12, bottom: 34 }

/**
 * Churn probability of the scored customers: a histogram stacked by tier, or the area of
 * customers at or above each probability (how many a retention campaign would reach).
 * Hover or focus + arrow keys show a bin's figures.
 */
function ProbabilityChart({ histogram, tierNames }: { histogram: Histogram; tierNames: string[] }) {
  const [mode, setMode] = useState<'histogram' | 'area'>('histogram')
  const [active, setActive] = useState<number | null>(null)
  const [box, W] = useWidth<HTMLDivElement>(640)
  const H = Math.round(Math.min(280, Math.max(200, W * 0.4)))
  const { bins, counts } = histogram
  const n = tierNames.length
  const totals = Array.from({ length: bins }, (_, b) => counts.reduce((s, row) => s + row[b], 0))
  const all = totals.reduce((a, b) => a + b, 0)
  // atOrAbove[b]: customers with a probability in bin b or higher.
  const atOrAbove = totals.map((_, b) => totals.slice(b).reduce((a, c) => a + c, 0))
  const values = mode === 'histogram' ? totals : atOrAbove
  const ymax = niceMax(Math.max(1, ...values))
  const iw = W - PAD.left - PAD.right
  const ih = H - PAD.top - PAD.bottom
  const bw = iw / bins
  const x = (b: number) => PAD.left + b * bw
  const y = (v: number) => PAD.top + ih - (v / ymax) * ih
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => t * ymax)

  function onKey(ev: KeyboardEvent) {
    const cur = active ?? -1
    let next = cur
    if (ev.key === 'ArrowRight') next = Math.min(bins - 1, cur + 1)
    else if (ev.key === 'ArrowLeft') next = Math.max(0, cur < 0 ? bins - 1 : cur - 1)
    else if (ev.key === 'Home') next = 0
    else if (ev.key === 'End') next = bins - 1
    else if (ev.key === 'Escape') next = -1
    else return
    ev.preventDefault()
    setActive(next < 0 ? null : next)
  }

  function onPointer(ev: PointerEvent) {
    const svg = ev.currentTarget as SVGSVGElement
    const r = svg.getBoundingClientRect()
    const px = ((ev.clientX - r.left) / r.width) * W
    const b = Math.floor((px - PAD.left) / bw)
    setActive(b >= 0 && b < bins ? b : null)
  }

  const tip = active === null ? null : describe(active)
  function describe(b: number): string {
    const lo = b / bins
    const hi = (b + 1) / bins
    if (mode === 'area') {
      return `${int(atOrAbove[b])} customers (${pct(all ? atOrAbove[b] / all : 0)}) have a churn probability of ${pct(lo, 0)} or more (retention ${pct(1 - lo, 0)} or less)`
    }
    const parts = counts.map((row, t) => (row[b] ? `${row[b]} ${tierNames[t]}` : '')).filter(Boolean)
    return `${int(totals[b])} customers with churn probability ${pct(lo, 0)}–${pct(hi, 0)} (retention ${pct(1 - hi, 0)}–${pct(1 - lo, 0)})${parts.length ? `: ${parts.join(', ')}` : ''}`
  }

  let area = ''
  if (mode === 'area') {
    area = `M${x(0)},${y(0)}`
    atOrAbove.forEach((v, b) => {
      area += ` L${x(b)},${y(v)} L${x(b + 1)},${y(v)}`
    })
    area += ` L${x(bins)},${y(0)} Z`
  }

  return (
    <figure class="chart">
      <figcaption>
        <span>
          {mode === 'histogram' ? 'Customers by churn probability' : 'Customers at or above each churn probability'}
        </span>
        <span class="toggle" role="group" aria-label="Chart type">
          <button type="button" aria-pressed={mode === 'histogram'} onClick={() => setMode('histogram')}>
            Histogram
          </button>
          <button type="button" aria-pressed={mode === 'area'} onClick={() => setMode('area')}>
            Cumulative
          </button>
        </span>
      </figcaption>
      <div class="chart-box" ref={box}>
        <svg
          viewBox={`0 0 ${W} ${H}`}
          role="img"
          tabIndex={0}
          aria-label={`${mode === 'histogram' ? 'Histogram' : 'Cumulative chart'} of churn probability; use the arrow keys to read each bin`}
          aria-describedby="chart-tip"
          onPointerMove={onPointer}
          onPointerLeave={() => setActive(null)}
          onKeyDown={onKey}
          onBlur={() => setActive(null)}
        >
          {ticks.map((t) => (
            <g class="grid">
              <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
              <text x={PAD.left - 6} y={y(t) + 4} text-anchor="end">
                {int(Math.round(t))}
              </text>
            </g>
          ))}
          {[0, 0.25, 0.5, 0.75, 1].map((p) => (
            <text class="axis" x={x(p * bins)} y={H - 14} text-anchor="middle">
              {pct(p, 0)}
            </text>
          ))}
          <text class="axis" x={PAD.left + iw / 2} y={H - 1} text-anchor="middle">
            churn probability
          </text>
          {mode === 'histogram'
            ? Array.from({ length: bins }, (_, b) => {
                let base = 0
                return counts.map((row, t) => {
                  const v = row[b]
                  if (!v) return null
                  const y0 = y(base + v)
                  const h = y(base) - y0
                  base += v
                  return <rect x={x(b) + 0.5} y={y0} width={Math.max(0.5, bw - 1)} height={h} fill={tierColor(t, n)} />
                })
              })
            : <path d={area} class="area" />}
          {active !== null && (
            <rect class="hover" x={x(active)} y={PAD.top} width={bw} height={ih} />
          )}
        </svg>
        <div id="chart-tip" class={`tooltip ${tip ? '' : 'idle'}`} role="status" aria-live="polite">
          {tip ?? 'Hover over the chart, or focus it and use the arrow keys, to read a bin.'}
        </div>
      </div>
      <ul class="legend">
        {tierNames.map((t, i) => (
          <li>
            <span class="swatch" style={{ background: tierColor(i, n) }} /> {titleCase(t)}
          </li>
        ))}
      </ul>
    </figure>
  )
}

function niceMax(v: number): number {
  const m = 10 ** Math.floor(Math.log10(v))
  for (const k of [1, 2, 2.5, 5, 10]) if (k * m >= v) return k * m
  return 10 * m
}
