import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'

const root = fileURLToPath(new URL('../..', import.meta.url))
const wasmPkg = fileURLToPath(new URL('../../bindings/wasm/pkg/web/churnlens.js', import.meta.url))

/** The demo export and bundle, read from examples/demo at build time (never copied into git). */
const DEMO = {
  'demo/customers_export.csv': `${root}examples/demo/customers_export.csv`,
  'demo/telco_bundle.json': `${root}examples/demo/telco_bundle.json`,
}

function demoFiles(): Plugin {
  return {
    name: 'churnlens-demo-files',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0].replace(/^\//, '')
        const file = DEMO[path as keyof typeof DEMO]
        if (!file) return next()
        res.setHeader('content-type', path.endsWith('.json') ? 'application/json' : 'text/csv')
        res.end(readFileSync(file))
      })
    },
    generateBundle() {
      for (const [fileName, file] of Object.entries(DEMO)) {
        this.emitFile({ type: 'asset', fileName, source: readFileSync(file) })
      }
    },
  }
}

export default defineConfig({
  // Relative asset URLs: the built page works from any folder of any static server.
  base: './',
  resolve: { alias: { 'churnlens-wasm/web': wasmPkg } },
  worker: { format: 'es' },
  plugins: [demoFiles()],
  build: { target: 'es2022', chunkSizeWarningLimit: 1024 },
  server: { host: '127.0.0.1', fs: { allow: [root] } },
  preview: { host: '127.0.0.1' },
})
