// A tiny static server for the built dashboard (dist/), on 127.0.0.1 and a free port.
import { createServer } from 'node:http'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
}

/** Serves `root`; resolves to { url, close }. */
export async function serve(root) {
  const base = normalize(root + sep)
  const server = createServer(async (req, res) => {
    let path = decodeURIComponent((req.url ?? '/').split('?')[0])
    if (path.endsWith('/')) path += 'index.html'
    const file = normalize(join(base, path))
    // Nothing outside the served folder.
    if (!file.startsWith(base)) return res.writeHead(403).end()
    try {
      if (!(await stat(file)).isFile()) return res.writeHead(404).end()
      const body = await readFile(file)
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}
