import { useEffect, useState } from 'preact/hooks'
import { int, pct } from './format'
import type { FeatureMatch, Overrides, Scored } from './types'

interface Props {
  scored: Scored
  overrides: Overrides
  onRerun: (overrides: Overrides) => void
  onRejects: () => void
}

/** Value of the column picker that keeps a feature unmapped. */
const NONE = '\u0000none'

/** Matches under this confidence are worth a look (the quality report says "check it" below it). */
const REVIEW = 0.9

/** The column mapping (with overrides and a re-run), the data-quality report and the rejected rows. */
export function DataQuality({ scored, overrides, onRerun, onRejects }: Props) {
  const s = scored.summary
  const q = s.quality
  const [draft, setDraft] = useState<Overrides>(overrides)
  useEffect(() => setDraft(overrides), [overrides])
  const changed = JSON.stringify(draft) !== JSON.stringify(overrides)
  // Features the model reads (identifier and label rows are shown but cannot be scored on).
  const features = s.mapping.features

  function choose(f: FeatureMatch, value: string) {
    const next = { ...draft }
    const header = value === NONE ? null : value
    if (header === f.header && !(f.feature in overrides)) delete next[f.feature]
    else next[f.feature] = header
    setDraft(next)
  }

  return (
    <>
      <section class="panel" aria-labelledby="mapping-title">
        <div class="panel-head">
          <h2 id="mapping-title">Column mapping</h2>
          <p class="muted">
            How the file’s columns were matched to the model’s features. Matches under {pct(REVIEW, 0)} confidence, ambiguous
            ones and required features without a column are highlighted: check them, change any, and score again.
          </p>
        </div>
        <div class="table-wrap">
          <table class="mapping">
            <thead>
              <tr>
                <th scope="col">Feature</th>
                <th scope="col">Column in the file</th>
                <th scope="col">Confidence</th>
                <th scope="col">Matched by</th>
              </tr>
            </thead>
            <tbody>
              {features.map((f) => {
                const weak = f.header !== null && f.source !== 'override' && f.confidence < REVIEW
                const missing = f.header === null && f.required
                const value = f.feature in draft ? (draft[f.feature] ?? NONE) : (f.header ?? NONE)
                return (
                  <tr class={`${f.ambiguous ? 'ambiguous' : ''} ${weak ? 'weak' : ''} ${missing ? 'missing' : ''}`} data-feature={f.feature}>
                    <th scope="row">
                      <span class="feature">{f.feature}</span>
                      <span class="muted small">
                        {f.kind}
                        {f.required ? ' · required' : ''}
                      </span>
                    </th>
                    <td>
                      <select
                        aria-label={`Column for ${f.feature}`}
                        value={value}
                        onChange={(e) => choose(f, e.currentTarget.value)}
                      >
                        <option value={NONE}>(not mapped)</option>
                        {s.headers.map((h) => (
                          <option value={h}>{h}</option>
                        ))}
                      </select>
                      {f.ambiguous && (
                        <span class="flag" role="note">
                          Ambiguous: also {f.alternatives.map((a) => `“${a.header}” (${pct(a.confidence, 0)})`).join(', ')}
                        </span>
                      )}
                      {f.note && <span class="muted small block">{f.note}</span>}
                    </td>
                    <td>
                      <meter min={0} max={1} low={s.mapping.threshold} optimum={1} value={f.confidence} aria-label={`Confidence ${pct(f.confidence, 0)}`} />
                      <span class="small"> {missing ? '–' : pct(f.confidence, 0)}</span>
                    </td>
                    <td class="small">{f.source ?? '–'}</td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
        {s.mapping.unmapped.length > 0 && (
          <p class="small">
            <strong>Columns not used by the model:</strong> {s.mapping.unmapped.map((u) => u.header).join(', ')}
          </p>
        )}
        <div class="panel-actions">
          <button type="button" class="primary" id="rerun" disabled={!changed} onClick={() => onRerun(draft)}>
            Score again with this mapping
          </button>
          <button type="button" class="ghost" disabled={Object.keys(draft).length === 0} onClick={() => (Object.keys(overrides).length ? onRerun({}) : setDraft({}))}>
            Back to the detected mapping
          </button>
          {Object.keys(overrides).length > 0 && <span class="muted small">{Object.keys(overrides).length} column choice(s) of yours in use</span>}
        </div>
      </section>

      <section class="panel" aria-labelledby="quality-title">
        <div class="panel-head">
          <h2 id="quality-title">Data quality</h2>
        </div>
        <dl class="figures wide">
          <div>
            <dt>Quality score</dt>
            <dd data-testid="quality-score">
              {pct(q.score, 0)} <span class={`grade ${q.grade}`}>{q.grade}</span>
            </dd>
          </div>
          <div>
            <dt>Rows accepted</dt>
            <dd>
              {int(q.rows_accepted ?? s.rows_scored)} of {int(q.rows)}
            </dd>
          </div>
          {q.accuracy && (
            <div>
              <dt>Estimated accuracy (AUC)</dt>
              <dd title={`On complete data ${q.accuracy.complete_auc.toFixed(3)}; with this file's missing values ${q.accuracy.expected_auc.toFixed(3)}`}>
                {q.accuracy.expected_auc.toFixed(3)} <span class="muted small">(−{q.accuracy.drop.toFixed(3)} for missing values)</span>
              </dd>
            </div>
          )}
          {q.missing_features.length > 0 && (
            <div>
              <dt>Features not in the file</dt>
              <dd class="small">{q.missing_features.join(', ')}</dd>
            </div>
          )}
        </dl>
        {q.suggestions.length > 0 && (
          <>
            <h3>Suggestions</h3>
            <ul class="suggestions">
              {q.suggestions.map((g) => (
                <li class={g.severity}>
                  <span class="sev">{g.severity}</span> {g.message}
                </li>
              ))}
            </ul>
          </>
        )}
        <h3>Columns</h3>
        <div class="table-wrap">
          <table class="columns">
            <thead>
              <tr>
                <th scope="col">Column</th>
                <th scope="col">Feature</th>
                <th scope="col">Type</th>
                <th scope="col">Complete</th>
                <th scope="col">Valid</th>
                <th scope="col">Drift</th>
                <th scope="col">Score</th>
              </tr>
            </thead>
            <tbody>
              {q.column_quality.map((c) => (
                <tr>
                  <th scope="row">{c.header}</th>
                  <td>{c.feature ?? <span class="muted">–</span>}</td>
                  <td>{c.dominant_type}</td>
                  <td>{pct(c.completeness)}</td>
                  <td>{c.validity === null ? '–' : pct(c.validity)}</td>
                  <td title={c.drift ? `PSI ${c.drift.psi}; ${c.drift.moved}: ${pct(c.drift.expected_share)} in training, ${pct(c.drift.actual_share)} here` : ''}>
                    {c.drift ? c.drift.band : '–'}
                  </td>
                  <td>{c.score === null ? '–' : pct(c.score, 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section class="panel" aria-labelledby="rejected-title">
        <div class="panel-head">
          <h2 id="rejected-title">Rejected rows ({int(s.rows_rejected)})</h2>
          <button type="button" id="download-rejects" disabled={s.rows_rejected === 0} onClick={onRejects}>
            Download rejected rows (CSV)
          </button>
        </div>
        {s.rows_rejected === 0 ? (
          <p class="muted">Every row was scored.</p>
        ) : (
          <div class="table-wrap">
            <table class="rejected">
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Customer</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {scored.rejected.slice(0, 200).map((r) => (
                  <tr>
                    <td>{r.line}</td>
                    <td>{r.customerId ?? <span class="muted">–</span>}</td>
                    <td>{r.reasons.join('; ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {s.rows_rejected > 200 && <p class="muted small">The first 200 are shown; the download has all {int(s.rows_rejected)}.</p>}
          </div>
        )}
      </section>
    </>
  )
}
