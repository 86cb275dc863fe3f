// The same pushes sent by the npm `web-push` library, for comparison with our dispatcher.
// Usage: node webpush_node.js JOB_FILE   (JSON: subscriptions, vapid keys, subject, port)
// Prints one line of JSON: {"sent": n, "seconds": s}. Run by bench/dispatch.py.
const fs = require('fs');
const https = require('https');
const webpush = require('web-push');

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
// Point every push host at the local sink, as the Python side's resolver does.
const agent = new https.Agent({
  keepAlive: true,
  maxSockets: job.concurrency,
  lookup: (host, options, callback) => {
    if (options && options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  },
});

async function main() {
  const payload = JSON.stringify(job.payload);
  const subscriptions = job.subscriptions.map((s) => ({
    endpoint: s.endpoint.replace('https://fcm.googleapis.com/', `https://fcm.googleapis.com:${job.port}/`),
    keys: s.keys,
  }));
  const options = {
    vapidDetails: { subject: job.subject, publicKey: job.publicKey, privateKey: job.privateKey },
    TTL: job.ttl,
    agent,
    headers: { Topic: 'bench' },
  };
  let next = 0;
  let sent = 0;
  const started = process.hrtime.bigint();
  async function worker() {
    while (next < subscriptions.length) {
      const subscription = subscriptions[next];
      next += 1;
      await webpush.sendNotification(subscription, payload, options);
      sent += 1;
    }
  }
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(JSON.stringify({ sent, seconds }));
  agent.destroy();
}

main().catch((error) => { console.error(error); process.exit(1); });
