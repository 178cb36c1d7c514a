import { useState } from 'preact/hooks'

export interface Picked {
  name: string
  bytes: ArrayBuffer
}

/**
 * Whether a dropped file's name is a model's (JSON, UBJSON or LightGBM text), to tell the
 * bundle from the customer table when two files are dropped together.
 */
function looksLikeModel(name: string): boolean {
  return /\.(json|ubj|txt\.model|model)$/i.test(name)
}

async function pick(file: File): Promise<Picked> {
  return { name: file.name, bytes: await file.arrayBuffer() }
}

interface Props {
  onLoad: (csv: Picked | null, bundle: Picked | null) => void
  onDemo: () => void
  bundleName: string | null
}

/** The start screen: a drop zone and pickers for the customer file and the model bundle. */
export function Loader({ onLoad, onDemo, bundleName }: Props) {
  const [over, setOver] = useState(false)

  // Dropped files are sorted by name: model files (.json, .ubj, .model) are the bundle, the
  // rest the customer table.
  async function onFiles(files: FileList | null) {
    if (!files || files.length === 0) return
    const list = Array.from(files)
    const bundle = list.length > 1 ? list.find((f) => looksLikeModel(f.name)) : undefined
    const csv = list.find((f) => f !== bundle)
    onLoad(csv ? await pick(csv) : null, bundle ? await pick(bundle) : null)
  }

  return (
    <section class="loader" aria-labelledby="loader-title">
      <h2 id="loader-title">Score your customers</h2>
      <p class="muted">
        Drop a customer export (CSV) to see who is likely to leave and why. The model runs here, in
        WebAssembly: the file is never uploaded.
      </p>
      <label
        class={`drop ${over ? 'over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault()
          setOver(true)
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault()
          setOver(false)
          onFiles(e.dataTransfer?.files ?? null)
        }}
      >
        <span class="drop-title">Drop a CSV file here, or choose one</span>
        <span class="muted">Columns are matched to the model by name; you can review the mapping after scoring.</span>
        <input
          id="csv-input"
          type="file"
          accept=".csv,.tsv,.txt,text/csv,text/plain"
          onChange={(e) => {
            const input = e.currentTarget
            onFiles(input.files).finally(() => (input.value = ''))
          }}
        />
      </label>
      <div class="loader-row">
        <label class="file-button">
          <span>Model bundle (optional)</span>
          <input
            id="bundle-input"
            type="file"
            accept=".json,.ubj,.model,.txt,application/json"
            onChange={async (e) => {
              const input = e.currentTarget
              const f = input.files?.[0]
              input.value = ''
              if (f) onLoad(null, await pick(f))
            }}
          />
        </label>
        <span class="muted" data-testid="bundle-name">
          {bundleName ? `Model: ${bundleName}` : 'Without one, the demo Telco model is used.'}
        </span>
      </div>
      <div class="demo">
        <button type="button" class="primary" id="demo-button" onClick={onDemo}>
          Try the demo
        </button>
        <span class="muted">1,000 customers of a telecom company, exported from a CRM with the usual mess.</span>
      </div>
    </section>
  )
}
