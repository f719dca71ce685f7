// Drives a gateway with Segment's own Node.js library (@segment/analytics-node).
//
// Usage: node segment_node.cjs HOST EU_WRITE_KEY US_WRITE_KEY
//
// Sends every event type with an EU workspace's write key and with a US workspace's, flushes,
// and prints one JSON document on stdout: per key, each message as the library built it and
// whether its callback saw a failure (and which); and every 'error' event the client emitted.
const { Analytics } = require('@segment/analytics-node')

const [host, euKey, usKey] = process.argv.slice(2)
const result = { eu: [], us: [], errors: [] }

async function drive(key, tag) {
  const analytics = new Analytics({ writeKey: key, host, maxRetries: 0, flushAt: 6, flushInterval: 200 })
  analytics.on('error', (e) => {
    const reason = e.reason && e.reason.message ? e.reason.message : String(e.reason)
    result.errors.push({ key: tag, code: e.code, reason, messageId: e.ctx ? e.ctx.event.messageId : null })
  })
  const done = (err, ctx) => {
    const ev = ctx.event
    result[tag].push({
      messageId: ev.messageId, type: ev.type, event: ev.event, name: ev.name, userId: ev.userId,
      properties: ev.properties, traits: ev.traits, groupId: ev.groupId, previousId: ev.previousId,
      failed: Boolean(err), error: err ? String(err.message || err) : null,
    })
  }
  const user = 'u-' + tag
  analytics.track({ userId: user, event: 'Order Completed ' + tag, properties: { revenue: 42.5, items: [1, 2], tag } }, done)
  analytics.identify({ userId: user, traits: { plan: 'business', tag } }, done)
  analytics.page({ userId: user, name: 'Regional ' + tag, properties: { path: '/docs/' + tag } }, done)
  analytics.screen({ userId: user, name: 'Home ' + tag, properties: { tag } }, done)
  analytics.group({ userId: user, groupId: 'g-' + tag, traits: { tag } }, done)
  analytics.alias({ userId: user, previousId: 'anon-' + tag }, done)
  await analytics.closeAndFlush({ timeout: 15000 })
}

;(async () => {
  await drive(euKey, 'eu')
  await drive(usKey, 'us')
  process.stdout.write(JSON.stringify(result))
})().catch((e) => {
  console.error(e)
  process.exit(1)
})
