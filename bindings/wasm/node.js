// Entry point for Node.js (`import { Model } from 'churnlens-wasm'`): the web build,
// instantiated synchronously from the .wasm file next to it. For a native and multi-threaded
// Node package, use `churnlens` instead.
import { readFileSync } from 'node:fs'
import { initSync } from './pkg/web/churnlens.js'

initSync({ module: readFileSync(new URL('./pkg/web/churnlens_bg.wasm', import.meta.url)) })

export * from './pkg/web/churnlens.js'
