// The task manager's own Kafka client (kafkajs), for tests/interop.rs: reads the records kdeck
// publishes to its topics and decodes each {headers, message} envelope as the service's contract
// states. Prints one JSON line per record, {"ok":true,...} or {"ok":false,"error":"<field>: <why>"};
// exits 2 when fewer than --n records came within --timeout-ms.
//   node client.js task-status|web-crawl-request --brokers B --topic T --n N [--timeout-ms MS]
'use strict';
const { Kafka, Partitioners, logLevel } = require('kafkajs');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// W3C trace context, as the service's OpenTelemetry tracer writes it: 32 and 16 lowercase hex
// digits, not all zero.
const TRACE_ID = /^(?!0{32})[0-9a-f]{32}$/;
const SPAN_ID = /^(?!0{16})[0-9a-f]{16}$/;

class Misfit extends Error {
  constructor(field, why) {
    super(`${field}: ${why}`);
  }
}

function need(obj, path, field) {
  const v = obj[field];
  if (typeof v !== 'string' || v === '') throw new Misfit(`${path}.${field}`, 'missing or not text');
  return v;
}

// The service writes its times with Date#toISOString: the text must read back the same.
function isoTime(obj, path, field) {
  const v = need(obj, path, field);
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new Misfit(`${path}.${field}`, `${v} is not a date`);
  if (d.toISOString() !== v) throw new Misfit(`${path}.${field}`, `${v} is not ISO-8601 UTC as toISOString writes it`);
  return d.getTime();
}

function envelope(value) {
  let env;
  try {
    env = JSON.parse(value);
  } catch (e) {
    throw new Misfit('value', e.message);
  }
  for (const part of ['headers', 'message']) {
    if (typeof env[part] !== 'object' || env[part] === null || Array.isArray(env[part])) {
      throw new Misfit(part, 'not an object');
    }
  }
  const h = env.headers;
  const traceId = need(h, 'headers', 'traceId');
  if (!TRACE_ID.test(traceId)) throw new Misfit('headers.traceId', `${traceId} is not 32 hex digits`);
  const spanId = need(h, 'headers', 'spanId');
  if (!SPAN_ID.test(spanId)) throw new Misfit('headers.spanId', `${spanId} is not 16 hex digits`);
  return { env, traceId, spanId, timestampMs: isoTime(h, 'headers', 'timestamp') };
}

function taskStatus(key, value) {
  const { env, traceId, spanId, timestampMs } = envelope(value);
  const h = env.headers;
  const m = env.message;
  const taskId = need(h, 'headers', 'taskId');
  if (!UUID.test(taskId)) throw new Misfit('headers.taskId', `${taskId} is not a UUID`);
  const taskType = need(h, 'headers', 'taskType');
  if (need(m, 'message', 'taskId') !== taskId) throw new Misfit('message.taskId', 'is not headers.taskId');
  const status = need(m, 'message', 'status');
  const out = { taskId, taskType, traceId, spanId, timestampMs, status };
  if (status === 'new') {
    out.userEmail = need(m, 'message', 'userEmail');
    out.userQuery = need(m, 'message', 'userQuery');
    out.originalUrl = new URL(need(m, 'message', 'originalUrl')).href;
    out.receivedAtMs = isoTime(m, 'message', 'receivedAt');
  } else if (status === 'completed') {
    out.result = need(m, 'message', 'result');
    out.finishedAtMs = isoTime(m, 'message', 'finishedAt');
  } else if (status === 'error') {
    out.error = need(m, 'message', 'error');
    out.finishedAtMs = isoTime(m, 'message', 'finishedAt');
  } else {
    throw new Misfit('message.status', `${status} is none of new, completed, error`);
  }
  if (key !== taskId) throw new Misfit('key', `${key} is not headers.taskId`);
  return out;
}

function webCrawlRequest(key, value) {
  const { env, traceId, spanId, timestampMs } = envelope(value);
  const h = env.headers;
  const m = env.message;
  const requestId = need(h, 'headers', 'requestId');
  if (!UUID.test(requestId)) throw new Misfit('headers.requestId', `${requestId} is not a UUID`);
  const requestType = need(h, 'headers', 'requestType');
  const userEmail = need(m, 'message', 'userEmail');
  if (!/^[^@\s]+@[^@\s]+$/.test(userEmail)) throw new Misfit('message.userEmail', `${userEmail} is not an address`);
  let originalUrl;
  try {
    originalUrl = new URL(need(m, 'message', 'originalUrl')).href;
  } catch (e) {
    throw new Misfit('message.originalUrl', e.message);
  }
  if (key !== requestId) throw new Misfit('key', `${key} is not headers.requestId`);
  return {
    requestId, requestType, traceId, spanId, timestampMs, userEmail,
    userQuery: need(m, 'message', 'userQuery'), originalUrl,
    requestedAtMs: isoTime(m, 'message', 'requestedAt'),
  };
}

async function main() {
  const [cmd, ...rest] = process.argv.slice(2);
  const a = {};
  for (let i = 0; i + 1 < rest.length; i += 2) a[rest[i].replace(/^--/, '')] = rest[i + 1];
  const decode = { 'task-status': taskStatus, 'web-crawl-request': webCrawlRequest }[cmd];
  if (!decode) throw new Error(`unknown subcommand ${cmd}`);
  const n = Number(a.n || 1);
  const kafka = new Kafka({ clientId: 'task-manager', brokers: (a.brokers || '127.0.0.1:9092').split(','), logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId: `kdeck-interop-${process.pid}-${Date.now()}` });
  // Where the task manager's own kafkajs producer (its default partitioner) puts a key: a test
  // record elsewhere is out of order with the service's records of that key.
  const admin = kafka.admin();
  await admin.connect();
  const md = await admin.fetchTopicMetadata({ topics: [a.topic] });
  await admin.disconnect();
  const partitionMetadata = md.topics[0].partitions;
  const partitioner = Partitioners.DefaultPartitioner();
  await consumer.connect();
  await consumer.subscribe({ topic: a.topic, fromBeginning: true });
  const lines = [];
  let finish;
  const finished = new Promise((resolve) => { finish = resolve; });
  const timer = setTimeout(finish, Number(a['timeout-ms'] || 30000));
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const key = message.key === null ? null : message.key.toString();
      let line;
      try {
        line = { ok: true, partition, key, ...decode(key, message.value.toString()) };
      } catch (e) {
        line = { ok: false, error: e instanceof Misfit ? e.message : `value: ${e.message}` };
      }
      line.producer_partition = partitioner({ topic: a.topic, partitionMetadata, message: { key: message.key } });
      lines.push(line);
      if (lines.length >= n) finish();
    },
  });
  await finished;
  clearTimeout(timer);
  await consumer.disconnect();
  for (const l of lines.slice(0, n)) console.log(JSON.stringify(l));
  if (lines.length < n) {
    console.error(`client.js: ${lines.length} of ${n} records on ${a.topic}`);
    process.exit(2);
  }
}

main().catch((e) => {
  console.error(`client.js: ${e.stack || e}`);
  process.exit(1);
});
