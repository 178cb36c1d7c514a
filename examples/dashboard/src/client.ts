// The page's side of the worker protocol: one promise per request, progress to a callback.
import type { Envelope, ProgressMessage, Reply, Request } from './protocol'

export class ScoringClient {
  private worker: Worker
  private next = 1
  private pending = new Map<number, (reply: Reply) => void>()
  onProgress: (p: ProgressMessage) => void = () => {}

  constructor() {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'churnlens-scoring' })
    this.worker.onmessage = (ev: MessageEvent<Envelope>) => {
      const env = ev.data
      if ('progress' in env) {
        this.onProgress(env.progress)
        return
      }
      const done = this.pending.get(env.id)
      this.pending.delete(env.id)
      done?.(env.reply)
    }
    this.worker.onerror = (ev) => {
      // A worker that failed to start (e.g. the .wasm could not be fetched) fails every request.
      ev.preventDefault()
      const message = ev.message || 'the scoring worker failed to start'
      for (const done of this.pending.values()) done({ type: 'error', failure: { subject: 'run', code: 'worker', message } })
      this.pending.clear()
    }
  }

  /**
   * Stops the worker at once, even in the middle of a run (a synchronous wasm call cannot be
   * interrupted otherwise); every pending request fails with code `cancelled`. The client is
   * unusable afterwards: make a new one.
   */
  terminate() {
    this.worker.terminate()
    for (const done of this.pending.values()) {
      done({ type: 'error', failure: { subject: 'run', code: 'cancelled', message: 'cancelled' } })
    }
    this.pending.clear()
  }

  request(req: Request, transfer: Transferable[] = []): Promise<Reply> {
    const id = this.next++
    return new Promise((resolve) => {
      this.pending.set(id, resolve)
      this.worker.postMessage({ id, req }, transfer)
    })
  }
}
