import { useEffect, useRef } from 'preact/hooks'
import { pct, points, tierColor, titleCase } from './format'
import { useWidth } from './size'
import type { Detail, Reason, Scored } from './types'

/** Bars of the waterfall before the rest are summed into one. */
const TOP = 10

/** One customer: probability, tier, the SHAP waterfall, reasons in words and the raw values. */
export function DetailDialog({ detail, scored, onClose }: { detail: Detail; scored: Scored; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const d = ref.current
    if (d && !d.open) d.showModal()
  }, [])
  const n = scored.tierNames.length
  const e = detail.explanation
  const mapped = new Map<number, string>()
  for (const f of scored.summary.mapping.features) if (f.column !== null) mapped.set(f.column, f.feature)
  const inputs = new Map(scored.featureNames.map((f, j) => [f, detail.features[j]]))

  return (
    <dialog ref={ref} class="detail" aria-labelledby="detail-title" onClose={onClose}>
      <header class="detail-head">
        <div>
          <h2 id="detail-title">{detail.customerId ?? `Row ${detail.row}`}</h2>
          <p class="muted small">
            Row {detail.row} · line {detail.line} of {scored.fileName}
          </p>
        </div>
        <button type="button" class="ghost close" onClick={() => ref.current?.close()} aria-label="Close the customer details">
          ✕
        </button>
      </header>
      <div class="detail-figures">
        <div>
          <span class="muted small">Churn probability</span>
          <strong class="big" data-testid="detail-probability">
            {pct(detail.probability)}
          </strong>
        </div>
        <div>
          <span class="muted small">Risk tier</span>
          <span class="tier-badge big" style={{ '--tier': tierColor(detail.tier, n) }}>
            {titleCase(scored.tierNames[detail.tier] ?? '')}
          </span>
        </div>
        <div>
          <span class="muted small">Average customer</span>
          <strong>{pct(e.base_probability)}</strong>
        </div>
      </div>

      <h3>Why</h3>
      <div class="reasons">
        <ReasonList title="Raises the risk" reasons={e.raises} kind="raises" />
        <ReasonList title="Lowers the risk" reasons={e.lowers} kind="lowers" />
      </div>

      <h3>What moved the probability</h3>
      <Waterfall detail={detail} />

      <h3>The customer’s values</h3>
      <div class="table-wrap">
        <table class="raw">
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Value in the file</th>
              <th scope="col">Model feature</th>
              <th scope="col">Model input</th>
            </tr>
          </thead>
          <tbody>
            {scored.headers.map((h, c) => {
              const f = mapped.get(c)
              const x = f === undefined ? undefined : inputs.get(f)
              return (
                <tr>
                  <th scope="row">{h}</th>
                  <td>{detail.cells?.[c] ?? ''}</td>
                  <td>{f ?? <span class="muted">–</span>}</td>
                  <td>{x === undefined ? '' : Number.isNaN(x) ? <span class="muted">missing</span> : String(x)}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </dialog>
  )
}

function ReasonList({ title, reasons, kind }: { title: string; reasons: Reason[]; kind: 'raises' | 'lowers' }) {
  return (
    <div class={`reason-list ${kind}`}>
      <h4>{title}</h4>
      {reasons.length === 0 ? (
        <p class="muted small">Nothing notable.</p>
      ) : (
        <ul data-testid={`reasons-${kind}`}>
          {reasons.map((r) => (
            <li>{r.text}</li>
          ))}
        </ul>
      )}
    </div>
  )
}

/**
 * A horizontal SHAP waterfall in probability points: from the average customer's probability,
 * each of the largest drivers moves the bar, the other features are one bar, and the end is
 * the customer's probability (points are the core's proportional allocation, so they add up).
 */
function Waterfall({ detail }: { detail: Detail }) {
  const full = detail.full
  const all = [...full.raises, ...full.lowers].sort((a, b) => Math.abs(b.points) - Math.abs(a.points))
  const top = all.slice(0, TOP)
  const rest = all.slice(TOP).reduce((s, r) => s + r.points, 0) + full.other_points
  const steps: { label: string; value: string; delta: number }[] = top.map((r) => ({
    label: r.display_name,
    value: r.value,
    delta: r.points,
  }))
  if (Math.abs(rest) >= 0.05) steps.push({ label: `${all.length - top.length} other features`, value: '', delta: rest })

  const [box, measured] = useWidth<HTMLElement>(640)
  const W = Math.max(300, measured)
  const rowH = 26
  // Labels get up to 40% of the width; the value after each bar needs ~64 px.
  const labelW = Math.min(210, Math.round(W * 0.4))
  const plotW = W - labelW - 64
  const maxLabel = Math.floor(labelW / 7)
  const H = (steps.length + 2) * rowH + 24
  const x = (p: number) => labelW + (Math.min(100, Math.max(0, p)) / 100) * plotW
  let at = 100 * full.base_probability
  const bars = steps.map((s, i) => {
    const from = at
    at += s.delta
    return { ...s, from, to: at, y: (i + 1) * rowH }
  })
  const end = 100 * full.probability
  return (
    <figure class="waterfall" ref={box}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="waterfall-desc">
        <desc id="waterfall-desc">
          {`From the average customer's ${pct(full.base_probability)} to this customer's ${pct(full.probability)}: `}
          {bars.map((b) => `${b.label} ${points(b.delta)}`).join(', ')}
        </desc>
        {[0, 25, 50, 75, 100].map((p) => (
          <g class="grid">
            <line x1={x(p)} x2={x(p)} y1={rowH / 2} y2={H - 20} />
            <text x={x(p)} y={H - 6} text-anchor="middle">
              {p}%
            </text>
          </g>
        ))}
        <g class="wf-row">
          <text x={labelW - 8} y={rowH * 0.5 + 5} text-anchor="end">
            Average customer
          </text>
          <rect x={x(0)} y={rowH * 0.5 - 8} width={x(100 * full.base_probability) - x(0)} height={14} class="wf-base" />
          <text x={x(100 * full.base_probability) + 6} y={rowH * 0.5 + 4} class="wf-value">
            {pct(full.base_probability)}
          </text>
        </g>
        {bars.map((b) => {
          const lo = Math.min(b.from, b.to)
          const hi = Math.max(b.from, b.to)
          const up = b.delta >= 0
          return (
            <g class="wf-row">
              <text x={labelW - 8} y={b.y + rowH * 0.5 + 5} text-anchor="end">
                {truncate(b.value ? `${b.label} = ${b.value}` : b.label, maxLabel)}
              </text>
              <rect x={x(lo)} y={b.y + rowH * 0.5 - 8} width={Math.max(1, x(hi) - x(lo))} height={14} class={up ? 'wf-up' : 'wf-down'} />
              <text x={x(hi) + 6} y={b.y + rowH * 0.5 + 4} class="wf-value">
                {points(b.delta)}
              </text>
            </g>
          )
        })}
        <g class="wf-row">
          <text x={labelW - 8} y={(steps.length + 1) * rowH + rowH * 0.5 + 5} text-anchor="end" class="strong">
            This customer
          </text>
          <rect x={x(0)} y={(steps.length + 1) * rowH + rowH * 0.5 - 8} width={x(end) - x(0)} height={14} class="wf-end" />
          <text x={x(end) + 6} y={(steps.length + 1) * rowH + rowH * 0.5 + 4} class="wf-value strong">
            {pct(full.probability)}
          </text>
        </g>
      </svg>
      <figcaption class="muted small">
        Bars are percentage points of churn probability (SHAP values shared out in proportion, so they add up to the
        difference from the average customer).
      </figcaption>
    </figure>
  )
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s
}
