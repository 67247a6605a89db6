import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.ListenerExecutionFailedException;

/**
 * The Java services' own clients for tests/interop.rs.
 *
 * <ul>
 *   <li>{@code scheduler-ingest}: the infinite scheduler's job-ingest consumer (kafka-clients)
 *       reading ScheduleJobRequest records as its contract states: Jackson binding that fails on
 *       an unknown property, {@code LocalDateTime.parse} on scheduledTime, a UUID requestId.
 *   <li>{@code produce-jobs}: a microservice sending jobs as the scheduler's guide shows
 *       (KafkaProducer with the default partitioner, murmur2 on the key {@code <appName>-<id>}).
 *   <li>{@code spring-dead-letter}: a listener that failed on each record, recovered by Spring
 *       Kafka's real DeadLetterPublishingRecoverer through a KafkaTemplate (default destination:
 *       {@code <topic>.DLT}, the same partition).
 * </ul>
 *
 * <p>A reader prints one JSON line per record ({"ok":true,...} or {"ok":false,"error":"<field>:
 * <why>"}) and exits 2 when fewer than --n records came in --timeout-ms.
 */
public final class Interop {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The scheduler's request model; scheduledTime is read as text and parsed as it does. */
  public static final class ScheduleJobRequest {
    public String requestId;
    public String appName;
    public String scheduledTime;
    public Map<String, Object> jobData;
    public String priority;
    public String idempotencyKey;
  }

  public static void main(String[] argv) throws Exception {
    // The clients log their whole configuration at INFO: only what went wrong matters here.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    if (argv.length < 1) {
      throw new IllegalArgumentException(
          "usage: Interop scheduler-ingest|produce-jobs|spring-dead-letter --brokers B --topic T ...");
    }
    Map<String, String> a = new HashMap<>();
    for (int i = 1; i + 1 < argv.length; i += 2) {
      a.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
    }
    String brokers = a.getOrDefault("brokers", "127.0.0.1:9092");
    String topic = a.get("topic");
    int n = Integer.parseInt(a.getOrDefault("n", "1"));
    long timeoutMs = Long.parseLong(a.getOrDefault("timeout-ms", "30000"));
    switch (argv[0]) {
      case "scheduler-ingest" -> {
        for (ConsumerRecord<byte[], byte[]> r : read(brokers, topic, n, timeoutMs)) {
          Map<String, Object> m = decodeScheduleJob(r);
          // Where the services' own Java producers put this key (the client's built-in
          // partitioner, murmur2): a test job elsewhere is out of order with theirs.
          if (r.key() != null) {
            m.put("producer_partition", BuiltInPartitioner.partitionForKey(r.key(), partitions));
          }
          print(m);
        }
      }
      case "produce-jobs" -> produceJobs(brokers, topic, a.get("keys").split(","));
      case "spring-dead-letter" ->
          springDeadLetter(brokers, topic, n, timeoutMs, a.getOrDefault("group", "infinite-scheduler-consumer-group"));
      default -> throw new IllegalArgumentException("unknown subcommand " + argv[0]);
    }
  }

  static void print(Map<String, Object> m) throws Exception {
    System.out.println(JSON.writeValueAsString(m));
  }

  static Map<String, Object> bad(String field, String why) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ok", false);
    m.put("error", field + ": " + why);
    return m;
  }

  /** Every partition of topic from its beginning, as the scheduler's consumer gets them. */
  /** The partition count of the topic last read. */
  static int partitions;

  static List<ConsumerRecord<byte[], byte[]>> read(String brokers, String topic, int n, long timeoutMs) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> parts =
          c.partitionsFor(topic, Duration.ofMillis(timeoutMs)).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .collect(Collectors.toList());
      partitions = parts.size();
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.currentTimeMillis() + timeoutMs;
      while (got.size() < n && System.currentTimeMillis() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(got::add);
      }
    }
    if (got.size() < n) {
      System.err.printf("Interop: %d of %d records on %s in %d ms%n", got.size(), n, topic, timeoutMs);
      System.exit(2);
    }
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>(got.subList(0, n));
    out.sort(Comparator.<ConsumerRecord<byte[], byte[]>>comparingInt(ConsumerRecord::partition)
        .thenComparingLong(ConsumerRecord::offset));
    return out;
  }

  static Map<String, String> headers(ConsumerRecord<byte[], byte[]> r) {
    Map<String, String> h = new LinkedHashMap<>();
    for (Header x : r.headers()) {
      h.put(x.key(), x.value() == null ? null : new String(x.value(), StandardCharsets.UTF_8));
    }
    return h;
  }

  static Map<String, Object> decodeScheduleJob(ConsumerRecord<byte[], byte[]> r) {
    ScheduleJobRequest q;
    try {
      q = JSON.readValue(r.value(), ScheduleJobRequest.class);
    } catch (Exception e) {
      return bad("value", e.getMessage().split("\n")[0]);
    }
    if (q.requestId == null) return bad("requestId", "missing");
    try {
      if (!UUID.fromString(q.requestId).toString().equals(q.requestId)) {
        return bad("requestId", q.requestId + " is not a canonical UUID");
      }
    } catch (IllegalArgumentException e) {
      return bad("requestId", q.requestId + " is not a UUID");
    }
    if (q.appName == null || q.appName.isEmpty()) return bad("appName", "missing");
    if (q.scheduledTime == null) return bad("scheduledTime", "missing");
    LocalDateTime at;
    try {
      at = LocalDateTime.parse(q.scheduledTime);
    } catch (DateTimeParseException e) {
      return bad("scheduledTime", e.getMessage());
    }
    if (q.jobData == null) return bad("jobData", "missing");
    if (q.priority != null && !Set.of("high", "normal", "low").contains(q.priority)) {
      return bad("priority", q.priority + " is not high, normal or low");
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ok", true);
    m.put("partition", r.partition());
    m.put("key", r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8));
    m.put("requestId", q.requestId);
    m.put("appName", q.appName);
    m.put("scheduledTime", at.toString());
    m.put("jobData", q.jobData);
    m.put("priority", q.priority);
    m.put("idempotencyKey", q.idempotencyKey);
    m.put("headers", headers(r));
    return m;
  }

  static void produceJobs(String brokers, String topic, String[] keys) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      for (String key : keys) {
        ScheduleJobRequest q = new ScheduleJobRequest();
        q.requestId = UUID.randomUUID().toString();
        q.appName = key.substring(0, key.indexOf('-'));
        q.scheduledTime = LocalDateTime.now().plusMinutes(5).withNano(0).toString();
        q.jobData = Map.of("to", "+8801711000000", "message", "job " + key);
        q.priority = "normal";
        q.idempotencyKey = key;
        producer.send(new ProducerRecord<>(topic, key, JSON.writeValueAsString(q))).get();
      }
    }
    print(Map.of("ok", true, "written", keys.length));
  }

  /**
   * Reads n records of topic and has each fail in a listener of group, then recovered: the
   * recoverer writes it to {@code <topic>.DLT} with its kafka_dlt-* headers.
   */
  static void springDeadLetter(String brokers, String topic, int n, long timeoutMs, String group) throws Exception {
    Map<String, Object> cfg = new HashMap<>();
    cfg.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    cfg.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    cfg.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    DefaultKafkaProducerFactory<Object, Object> pf = new DefaultKafkaProducerFactory<>(cfg);
    KafkaTemplate<Object, Object> template = new KafkaTemplate<>(pf);
    DeadLetterPublishingRecoverer recoverer = new DeadLetterPublishingRecoverer(template);
    int done = 0;
    for (ConsumerRecord<byte[], byte[]> r : read(brokers, topic, n, timeoutMs)) {
      Exception cause = new IllegalArgumentException(
          "invalid message: scheduledTime is not ISO-8601 local date-time");
      recoverer.accept(r, new ListenerExecutionFailedException("Listener failed", group, cause));
      done++;
    }
    template.flush();
    pf.destroy();
    print(Map.of("ok", true, "dead_lettered", done));
  }
}
