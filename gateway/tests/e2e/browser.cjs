// Drives @segment/analytics-next in headless Chromium against a gateway.
//
// Usage: node browser.cjs GATEWAY_HOST:PORT EU_WRITE_KEY US_WRITE_KEY CHROMIUM NODE_MODULES
//
// Serves browser.html and the package's dist/umd on a loopback port of its own (so the
// gateway is another origin, and every SDK request starts with a CORS preflight), loads the
// page once per key in a fresh Chromium (puppeteer-core, no browser download), and prints one
// JSON document on stdout: per key, the page's result (events as the SDK built them, the
// SDK's 'error' events, the page's own request's status) and every request to the gateway the
// browser made, with its answer's status or its failure.
const http = require('http')
const fs = require('fs')
const os = require('os')
const path = require('path')

const [gateway, euKey, usKey, chromium, modules] = process.argv.slice(2)
const puppeteer = require(path.join(modules, 'puppeteer-core'))
const umd = path.join(modules, '@segment', 'analytics-next', 'dist', 'umd')
const html = fs.readFileSync(path.join(__dirname, 'browser.html'))

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://page')
  if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    return res.end(html)
  }
  const m = /^\/umd\/([A-Za-z0-9_-][A-Za-z0-9._-]*)$/.exec(url.pathname)
  const file = m ? path.join(umd, m[1]) : null
  if (file && fs.existsSync(file)) {
    res.writeHead(200, { 'content-type': 'text/javascript' })
    return res.end(fs.readFileSync(file))
  }
  res.writeHead(404)
  res.end()
})

;(async () => {
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const origin = 'http://127.0.0.1:' + server.address().port
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'regionfence-chromium-'))
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    userDataDir: profile,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  })
  const out = { origin, runs: {} }
  try {
    for (const [tag, key] of [['eu', euKey], ['us', usKey]]) {
      const page = await browser.newPage()
      const network = []
      const consoleLines = []
      page.on('console', (m) => consoleLines.push(m.type() + ': ' + m.text()))
      page.on('pageerror', (e) => consoleLines.push('pageerror: ' + e.message))
      page.on('response', (r) => {
        if (r.url().includes(gateway)) {
          network.push({ method: r.request().method(), url: r.url(), status: r.status(),
            allowOrigin: r.headers()['access-control-allow-origin'] || null })
        }
      })
      page.on('requestfailed', (r) => {
        network.push({ method: r.request ? r.method() : null, url: r.url(), failed: r.failure() && r.failure().errorText })
      })
      const query = new URLSearchParams({ gateway, key, tag })
      await page.goto(origin + '/?' + query.toString())
      await page.waitForFunction('window.__done === true', { timeout: 60000 })
      const result = await page.evaluate(() => window.__result)
      out.runs[tag] = { result, network, console: consoleLines }
      await page.close()
    }
  } finally {
    await browser.close()
    server.close()
    fs.rmSync(profile, { recursive: true, force: true })
  }
  process.stdout.write(JSON.stringify(out))
})().catch((e) => {
  console.error(e)
  process.exit(1)
})
