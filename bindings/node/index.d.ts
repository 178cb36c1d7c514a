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


/**
 * Which binding artifact the generated loader actually loaded: `'native'` for
 * a native addon, otherwise the `platformArchABI` of the WASI flavor. Every
 * flavor napi-rs can build is listed, because `NAPI_RS_NATIVE_LIBRARY_PATH`
 * can point the loader at a WASI artifact this package does not build itself.
 */
export declare const __napiBindingTarget: 'native' | 'wasm32-wasi' | 'wasm32-wasip1'

/**
 * A model bundle: the model with its feature schema (names, kinds, units, aliases), risk
 * tiers, training reference and metadata, as written by `churnlens bundle build`. A bare
 * model file is a bundle too (its schema then comes from the model).
 */
export declare class Bundle {
  /** The bundle file's text (JSON with its content hash), as `save` writes it. */
  toJson(): string
  /** Writes the bundle file. */
  save(path: string): void
  /** Reads a bundle from a file path, or from its bytes (a `Buffer` or `Uint8Array`). */
  static load(pathOrBuffer: string | Uint8Array): Bundle
  /** The bundle's name. */
  get name(): string
  /** The bundle's version. */
  get version(): string
  /** SHA-256 of the bundle file (of the model file for a bare model). */
  get contentHash(): string
  /** The model inputs, in model column order (the columns of `validate().features`). */
  get featureNames(): Array<string>
  /**
   * The schema's model inputs (name, kind, display name, unit, range or categories,
   * required, aliases, ...), in model column order.
   */
  get inputs(): SchemaFeature[]
  /** Every schema feature (the inputs, the customer id and the churn label), in schema order. */
  get schema(): SchemaFeature[]
  /**
   * The risk tiers scoring uses (the bundle's, or the defaults low / medium / high), lowest
   * first.
   */
  get tiers(): Tier[]
  /** Name, version, created, description, source, metrics and content_hash. */
  get metadata(): BundleMetadata
  /** The embedded model. */
  get model(): Model
}

/**
 * A loaded model: XGBoost JSON/UBJSON or LightGBM text. Immutable and safe to share; async
 * methods run on the libuv thread pool.
 */
export declare class Model {
  /**
   * Loads a model from a file path, or from its bytes (a `Buffer` or `Uint8Array`). The
   * format (XGBoost JSON, XGBoost UBJSON, LightGBM text) is sniffed from the content.
   */
  static load(pathOrBuffer: string | Uint8Array): Model
  /** `"xgboost"` or `"lightgbm"`. */
  get format(): 'xgboost' | 'lightgbm'
  /** Feature names in column order (`f0`, `f1`, ... when the file has none). */
  get featureNames(): Array<string>
  /** Number of input columns. */
  get numFeatures(): number
  /** Outputs per row: 1, or the number of classes of a multiclass model. */
  get numOutputs(): number
  /** Number of trees. */
  get numTrees(): number
  /** The training objective as named in the file, e.g. `binary:logistic` or `binary`. */
  get objective(): string
  /**
   * The SHAP bias (expected margin) of each output; equals the last entry of each output
   * in `shapValues`.
   */
  expectedValue(): Float64Array
  /**
   * Predictions, `rows x outputs` row-major: probabilities for classifiers (the model's
   * output transform applied), or margins with `{ output: 'margin' }`.
   *
   * `data` is a row-major `Float64Array` / `Float32Array` of `rows x numFeatures` values
   * (`NaN` = missing; `rows` defaults to `data.length / numFeatures`), or an array of
   * records `{ featureName: value }`.
   */
  predict(data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null, options?: PredictOptions | undefined | null): Float64Array
  /** Raw scores (margins) before the output transform, `rows x outputs` row-major. */
  predictMargin(data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null): Float64Array
  /**
   * Exact TreeSHAP values, `rows x outputs x (numFeatures + 1)` row-major; the last entry of
   * each output is the bias, and each output's entries sum to its margin.
   */
  shapValues(data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null): Float64Array
  /**
   * Exact SHAP interaction values, `rows x outputs x (numFeatures + 1) x (numFeatures + 1)`
   * row-major, laid out like XGBoost's `pred_interactions`.
   */
  shapInteractionValues(data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null): Float64Array
  /** `predict` on the libuv thread pool (the input is copied first). */
  predictAsync(data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null, options?: PredictOptions | undefined | null): Promise<Float64Array>
  /** `predictMargin` on the libuv thread pool. */
  predictMarginAsync(data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null): Promise<Float64Array>
  /** `shapValues` on the libuv thread pool. */
  shapValuesAsync(data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null): Promise<Float64Array>
  /** `shapInteractionValues` on the libuv thread pool. */
  shapInteractionValuesAsync(data: Float64Array | Float32Array | Array<Record<string, number | boolean | null | undefined>>, rows?: number | undefined | null): Promise<Float64Array>
}

/**
 * The results of `scoreCsv`, kept in native memory: per scored row its row and line number,
 * customer id, churn probability, risk tier, model inputs and SHAP values, plus the rejected
 * rows and the run's summary. Row `i` is the same row in every column; accessors copy out.
 */
export declare class ScoredTable {
  /**
   * The run's summary: the core's `RunSummary` (rows_read, rows_scored, rows_rejected,
   * mapping, validation, issues, quality, tiers, base_probability, mean_probability,
   * labelled, timings, ...), snake_case as in `churnlens score --json`.
   */
  get summary(): RunSummary
  /** Scored rows. */
  get length(): number
  /** Header row of the input. */
  get headers(): Array<string>
  /** The model inputs (the columns of `features()`; `shap()` has one more, the bias). */
  get featureNames(): Array<string>
  /** Tier names, lowest risk first (`tiers()` indexes this). */
  get tierNames(): Array<string>
  /** Whether the input has a mapped churn label (`labels()` is then filled). */
  get labelled(): boolean
  /** 1-based data-row number of each scored row. */
  rows(): Float64Array
  /** Line where each scored row starts in the file. */
  lines(): Float64Array
  /** Customer id of each scored row (`null` when the input has none). */
  customerIds(): Array<string | null>
  /** Churn label of each scored row: 1 churned, 0 stayed, `NaN` unknown or unlabelled input. */
  labels(): Float64Array
  /** Churn probability of each scored row. */
  probabilities(): Float64Array
  /** Risk tier of each scored row, as an index into `tierNames`. */
  tiers(): Uint8Array
  /** Model inputs, `length x featureNames.length`, row-major (`NaN` = missing). */
  features(): Float64Array
  /**
   * Exact SHAP values in log-odds, `length x (featureNames.length + 1)`, row-major; the last
   * value of each row is the bias, and each row sums to the row's margin.
   */
  shap(): Float64Array
  /**
   * The original cells of scored row `i` (in `headers` order), or `null` when the run did
   * not keep them (`cells: true`).
   */
  cells(i: number): string[] | null
  /**
   * Why scored row `i` has its probability: the top `topK` reasons raising and lowering it
   * (every contributing feature with `full`), with probability points and sentences.
   */
  explanation(i: number, full?: boolean | undefined | null): Explanation
  /** One line per scored row: its reasons as sentences (`; `-separated). */
  reasons(): Array<string>
  /**
   * The rejected rows, in input order: row, line, customerId, codes, reasons, and the
   * original cells when the run kept them.
   */
  rejected(): RejectedRow[]
  /**
   * The scored rows as CSV bytes (UTF-8), all of them or those at `indices` in that order:
   * the same columns and bytes as `churnlens score` writes, formula-like cells neutralised.
   */
  toCsv(indices?: Uint32Array | undefined | null): Uint8Array
  /** The rejected rows as CSV bytes (codes, reasons, then the original cells when kept). */
  rejectsCsv(): Uint8Array
  /** The scored rows as an Excel workbook (`.xlsx` bytes), all or those at `indices`. */
  toXlsx(indices?: Uint32Array | undefined | null): Uint8Array
}

/**
 * Panics on purpose, for the test that no panic crosses into Node: napi's `catch_unwind`
 * turns it into a thrown JS `Error` instead of aborting the process. Not part of the API.
 */
export declare function _panicForTests(): void

/**
 * Builds a bundle from a model file's bytes (XGBoost JSON/UBJSON, LightGBM text; a binary
 * classifier with a logistic output) and its training data: a CSV's bytes holding the
 * model's features and the churn label (read as the CLI reads it), or a `TrainingMatrix`.
 * The sampling rule and the metrics (`training_rows`, `training_auc`) are the core's
 * (`churn_core::bundle::builder`).
 */
export declare function buildBundle(model: Uint8Array, training: Uint8Array | TrainingMatrix, options?: BuildBundleOptions | undefined | null): Bundle

/** Options of `buildBundle`. Every one has the core's default when absent. */
export interface BuildBundleOptions {
  /**
   * A schema file's JSON text, enriching the model's own schema (display names, units,
   * categories, required flags, identifier and label columns).
   */
  schemaJson?: string
  /** A schema file's TOML text (instead of, or after, `schemaJson`). */
  schemaToml?: string
  /** The label column named in the schema when it names none (default `'Churn'`). */
  labelColumn?: string
  /** The customer-id column named in the schema when it names none (default `'customerID'`). */
  idColumn?: string
  /**
   * Held-out labelled rows: the sample is drawn from them; adds `holdout_rows` and
   * `holdout_auc` to the metrics.
   */
  holdout?: TrainingMatrix
  /** Labelled rows kept for the estimated-AUC check (default 500). */
  sampleRows?: number
  /** Quantile bins per numeric feature in the reference profile (default 10). */
  bins?: number
  /** Risk tiers, ascending (default low 0, medium 0.25, high 0.5). */
  tiers?: Tier[]
  /** Bundle name (default `'model'`). */
  name?: string
  /** Bundle version (default `'1.0.0'`). */
  version?: string
  /** Free-text description. */
  description?: string
  /** What produced the model (default `'<format> model (churnlens bundle build)'`). */
  source?: string
  /** Creation time written (ISO 8601; default now, UTC): fix it for reproducible bytes. */
  created?: string
  /**
   * A non-negative integer: draw the sample by the core's seeded shuffle instead of evenly
   * spaced labelled rows.
   */
  seed?: number
  /** Extra metrics; they win over computed ones of the same name. */
  metrics?: Record<string, number>
}

/**
 * Maps a table's headers to a bundle's features (or to plain feature names).
 *
 * `headersOrCsv` is the header names, or the CSV file's bytes (then its first 500 rows are
 * value evidence too). Options: `overrides` (`{feature: header | null}`, they win) and
 * `threshold` (0..1, default 0.8: below it a match is refused; unmapped beats wrong).
 */
export declare function mapColumns(headersOrCsv: string[] | Uint8Array, bundleOrFeatureNames: Bundle | string[], options?: MapOptions | undefined | null): ColumnMapping

/** Options of `predict` / `predictAsync`. */
export interface PredictOptions {
  /**
   * `"probability"` (default: the model's output transform applied; a probability for
   * classifiers, the mean for regressions) or `"margin"` (raw scores before the transform).
   */
  output?: 'probability' | 'margin'
}

/**
 * The data-quality report of a CSV export for a bundle (what `churnlens report` prints):
 * mapping confidence, missing features, per-column completeness, validity and drift, a 0..1
 * score with a grade, suggestions and the expected accuracy; `text` is the readable form.
 */
export declare function qualityReport(csv: Uint8Array, bundle: Bundle, options?: IntakeOptions | undefined | null): QualityReport

/** `qualityReport` on the libuv thread pool. */
export declare function qualityReportAsync(csv: Uint8Array, bundle: Bundle, options?: IntakeOptions | undefined | null): Promise<QualityReport>

/**
 * Scores a CSV export with a bundle: the whole pipeline of `churnlens score` (mapping,
 * validation, predictions, exact SHAP, risk tiers, reasons), with every result kept in a
 * `ScoredTable`. `onProgress` is called after each chunk; returning `false` stops the run
 * (the table then holds the rows read so far and `summary.stopped_early` is true).
 */
export declare function scoreCsv(csv: Uint8Array, bundle: Bundle, options?: ScoreOptions | undefined | null): ScoredTable

/**
 * `scoreCsv` on the libuv thread pool (the bytes are copied first). `onProgress` is called
 * on the JS thread while the pool works; its `false` stops the run after the chunk in
 * progress.
 */
export declare function scoreCsvAsync(csv: Uint8Array, bundle: Bundle, options?: ScoreOptions | undefined | null): Promise<ScoredTable>

/** The JS-facing progress object. */
export interface ScoreProgress {
  /** Data rows read so far. */
  rowsRead: number
  /** Input bytes consumed so far. */
  bytesRead: number
  /** Size of the input in bytes. */
  totalBytes: number
}

/** A risk tier of `BuildBundleOptions.tiers` (the shape of `Tier`). */
export interface TierBound {
  name: string
  min_probability: number
}

/** Training rows as a matrix. */
export interface TrainingMatrix {
  /** Model inputs, row-major (rows x the model's features, in model order); NaN = missing. */
  x: Float64Array
  /**
   * One churn label per row: 1 churned, 0 retained, NaN unlabelled. Absent: no labels (no
   * labelled sample, no `training_auc`).
   */
  labels?: Float64Array
}

/**
 * Validates and normalises every cell of a CSV export for a bundle: each row is accepted
 * (its model inputs in `features`, row-major, ready for `bundle.model.predict`) or rejected
 * with codes and reasons.
 */
export declare function validate(csv: Uint8Array, bundle: Bundle, options?: IntakeOptions | undefined | null): Validation

/** `validate` on the libuv thread pool. */
export declare function validateAsync(csv: Uint8Array, bundle: Bundle, options?: IntakeOptions | undefined | null): Promise<Validation>
