/* Types of churnlens's plain-object results and options, shared by the Node package
 * (`churnlens`, prepended to the generated index.d.ts by `napi build`: package.json
 * "napi.dtsHeaderFile") and the WASM package (`churnlens-wasm`, included by
 * bindings/wasm/src/lib.rs). Keys are the Rust core's serde names (snake_case), the same as
 * in `churnlens ... --json`; options and the few objects built by the bindings are camelCase. */
/* eslint-disable */

/**
 * The `Error` thrown (or the promise rejection) by churnlens. `code` is the kind of problem,
 * the core's error code, the same string as Python's `err.code`: `'io'` (Node only),
 * `'unknown_format'`, `'json'`, `'ubjson'`, `'model'`, `'unsupported'`, `'input'`, `'schema'`,
 * `'vocabulary'`, `'csv'`, `'encoding'`, `'override'`, `'bundle'`, `'write'`, `'record'`,
 * `'internal'` (a bug). docs/errors.md says what causes each and how to fix it.
 */
export interface ChurnlensError extends Error {
  code: string
  /** Where the problem is: the known parts only (`{}` when none is known). */
  position: ErrorPosition
}

/** Where a problem is (the core's `Error::position`); each part is present only when known. */
export interface ErrorPosition {
  /** The file read (Node only: a path given to `load`), or the output written. */
  file?: string
  /** 1-based line of a text file (JSON or LightGBM model, CSV). */
  line?: number
  /** 1-based data row of a table (0 = the header row). */
  row?: number
  /** 1-based column: a character column of JSON text, or a column number of a table. */
  column?: number
  /** Index of the tree in a model, from 0. */
  tree?: number
  /** Index of the node in its tree, as numbered in the file. */
  node?: number
  /** A named place: a model field, a schema feature and field, a bundle field, a header. */
  field?: string
  /** 0-based byte offset in the input. */
  byte?: number
}

/** Mapping decisions that win over the mapper: `{ feature: header }`, or `null` to keep a
 * feature unmapped. */
export type Overrides = Record<string, string | null>

/** Options of `mapColumns`. */
export interface MapOptions {
  /** Decisions that win over the mapper (e.g. from a person reviewing `ColumnMapping`). */
  overrides?: Overrides
  /** Confidence (0..1, default 0.8) below which a match is refused: unmapped beats wrong. */
  threshold?: number
}

/** Options of `validate` and `qualityReport`. Unknown keys are an `'input'` error. */
export interface IntakeOptions {
  /** Decisions that win over the mapper. */
  overrides?: Overrides
  /** The as-of date (`'2024-06-30'`) that turns dates into ages for date-derived features. */
  asOf?: string
  /** Issues listed at most (default 10,000 for `validate`, 200 for scoring runs; the rest
   * are counted in the summary). */
  maxIssues?: number
}

/** How far a `scoreCsv` run has got; passed to `onProgress` after each chunk. */
export interface ScoreProgress {
  /** Data rows read so far. */
  rowsRead: number
  /** Input bytes consumed so far. */
  bytesRead: number
  /** Size of the input in bytes. */
  totalBytes: number
}

/** Options of `scoreCsv`. Unknown keys are an `'input'` error. */
export interface ScoreOptions extends IntakeOptions {
  /** Reasons per direction per customer (default 3). */
  topK?: number
  /** Keep each row's original cells (`ScoredTable.cells(i)`, `rejected()[k].cells`). */
  cells?: boolean
  /** Rows per chunk (default 8,192); `onProgress` is called once per chunk. */
  chunkRows?: number
  /** Called after each chunk; return `false` to stop (the table then holds the rows read so
   * far and `summary.stopped_early` is true). In Node's `scoreCsvAsync` it runs on the JS
   * thread while the pool works, so the run stops one or a few chunks later. */
  onProgress?: (progress: ScoreProgress) => boolean | void
}

/** One feature of a bundle's schema. */
export interface SchemaFeature {
  name: string
  display_name?: string
  kind: 'numeric' | 'categorical' | 'boolean' | 'date_derived' | 'identifier' | 'label'
  unit?: string
  min?: number
  max?: number
  categories?: string[]
  required: boolean
  aliases?: string[]
  concept?: string
  on_invalid: 'reject' | 'missing' | 'clamp'
  warn_above: number
  error_above: number
  as_of?: string
  [key: string]: unknown
}

/** A risk tier: customers from `min_probability` up to the next tier's bound. */
export interface Tier {
  name: string
  min_probability: number
}

/** A bundle's metadata. */
export interface BundleMetadata {
  name: string
  version: string
  created: string
  description: string
  source: string
  metrics: Record<string, number>
  content_hash: string
}

/** A candidate header of a feature. */
export interface Candidate {
  column: number
  header: string
  confidence: number
  source: 'exact' | 'alias' | 'concept' | 'fuzzy' | 'override'
}

/** The mapper's decision for one feature. */
export interface FeatureMatch {
  feature: string
  kind: SchemaFeature['kind']
  required: boolean
  concept: string | null
  column: number | null
  header: string | null
  confidence: number
  source: Candidate['source'] | null
  ambiguous: boolean
  alternatives: Candidate[]
  note: string | null
}

/** What `mapColumns` returns. */
export interface ColumnMapping {
  /** `{ feature: header }` of the mapped features. */
  mapping: Record<string, string>
  /** `{ feature: confidence }` (0..1) of the mapped features. */
  confidence: Record<string, number>
  /** `{ feature: [[header, confidence], ...] }`: the other candidates, best first. */
  alternatives: Record<string, Array<[string, number]>>
  /** Headers no feature takes, in table order. */
  unmapped: string[]
  /** Features without a column. */
  missing: string[]
  /** Required features without a column. */
  missing_required: string[]
  /** Features whose best two headers were close (mapped or refused): check them. */
  ambiguous: string[]
  /** The table's headers. */
  headers: string[]
  /** The acceptance threshold used. */
  threshold: number
  /** Every decision, in schema order. */
  features: FeatureMatch[]
  /** The decisions as overrides, to edit and pass back (`options.overrides`). */
  overrides: Overrides
}

/** A rejected row. */
export interface RejectedRow {
  /** 1-based data-row number (the first row after the header is 1). */
  row: number
  /** Line where the row starts in the file. */
  line: number | null
  customerId: string | null
  /** Issue codes, e.g. `'missing_required'`, `'duplicate_id'`, `'type_mismatch'`. */
  codes: string[]
  /** A readable reason per code. */
  reasons: string[]
  /** The row's original cells (`scoreCsv` with `cells: true`). */
  cells?: string[]
}

/** A problem found by validation. */
export interface Issue {
  code: string
  severity: 'info' | 'warning' | 'error'
  row: number | null
  customer_id: string | null
  column: string | null
  feature: string | null
  value: string | null
  message: string
}

/** Validation counts. */
export interface ValidationSummary {
  rows: number
  accepted: number
  rejected: number
  by_code: Record<string, number>
  by_severity: Record<string, number>
  rejected_by_code: Record<string, number>
  features: Record<string, { rows: number; missing: number; invalid: number; out_of_range: number; clamped: number; problem_rows: number }>
  issues_not_listed: number
}

/** What `validate` returns. */
export interface Validation {
  /** Model inputs of the accepted rows, `rows.length x featureNames.length`, row-major
   * (`NaN` = missing): ready for `bundle.model.predict(features)`. */
  features: Float64Array
  featureNames: string[]
  /** 1-based data-row numbers of the accepted rows. */
  rows: Float64Array
  customerIds: Array<string | null>
  /** Churn labels of the accepted rows (1, 0, `NaN` unknown or no label column). */
  labels: Float64Array
  rejected: RejectedRow[]
  issues: Issue[]
  summary: ValidationSummary
}

/** What `qualityReport` returns: the core's `QualityReport` plus its readable `text`. */
export interface QualityReport {
  rows: number
  columns: number
  rows_accepted: number | null
  rows_rejected: number | null
  /** 0..1. */
  score: number
  grade: 'good' | 'fair' | 'poor'
  mapping: Array<{ feature: string; header: string | null; confidence: number; source: Candidate['source'] | null; required: boolean; ambiguous: boolean }>
  missing_features: string[]
  unmapped_columns: string[]
  column_quality: Array<{
    header: string
    feature: string | null
    completeness: number
    validity: number | null
    uniqueness: number
    type_consistency: number
    dominant_type: string
    drift: { psi: number; band: string; moved: string; expected_share: number; actual_share: number } | null
    score: number | null
  }>
  accuracy: {
    complete_auc: number
    expected_auc: number
    drop: number
    reference_rows: number
    repeats: number
    missing_rates: Record<string, number>
    largest_losses: Array<[string, number]>
  } | null
  suggestions: Array<{ severity: Issue['severity']; column: string | null; message: string }>
  /** The report as readable text (what `churnlens report` prints). */
  text: string
}

/** Customers per risk tier. */
export interface TierCounts {
  tiers: Array<{ name: string; min_probability: number; count: number; percent: number }>
  total: number
}

/** A scoring run's summary (`ScoredTable.summary`): the core's `RunSummary`, as in
 * `churnlens score --json`'s `summary`. */
export interface RunSummary {
  model: { name: string; version: string; content_hash: string }
  headers: string[]
  delimiter: string
  encoding: string
  rows_read: number
  rows_scored: number
  rows_rejected: number
  chunks: number
  stopped_early: boolean
  mapping: { headers: string[]; features: FeatureMatch[]; unmapped: Array<{ column: number; header: string; concept: string | null }>; threshold: number }
  validation: ValidationSummary
  issues: Issue[]
  quality: Omit<QualityReport, 'text'>
  tiers: TierCounts
  base_probability: number | null
  mean_probability: number | null
  labelled: { rows: number; churned: number; auc: number | null; mean_probability: number } | null
  /** Seconds per stage (all 0 in WASM, which has no clock). */
  timings: Record<string, number>
  rows_per_second: number
  [key: string]: unknown
}

/** One driver of a customer's churn risk. */
export interface Reason {
  feature: string
  display_name: string
  /** The customer's value, as shown to people (with its unit). */
  value: string
  /** The model input (`null` = missing). */
  input: number | null
  direction: 'raises' | 'lowers'
  /** SHAP value in log-odds. */
  contribution: number
  /** Percentage points of churn probability (they sum to `probability - base_probability`). */
  points: number
  /** E.g. `'Contract (Month-to-month) raises churn risk by 11.2 points'`. */
  text: string
}

/** Why a customer has their churn probability (`ScoredTable.explanation(i)`). */
export interface Explanation {
  probability: number
  base_probability: number
  margin: number
  raises: Reason[]
  lowers: Reason[]
  /** Points of the features not listed. */
  other_points: number
}

