// The Go services' own Kafka clients, for tests/interop.rs: what kdeck publishes and replays is
// read by the export service's consumer library (IBM/sarama) and the pipeline executor's Go
// package library (segmentio/kafka-go), and decoded as their contracts state; kafka-go also
// writes the package's live records (Hash balancer) and dead letters, for kdeck to replay.
//
// Every reader prints one JSON line per record: {"ok":true,...what it parsed} or
// {"ok":false,"error":"<field>: <why>"}; it exits 2 when fewer than -n records came in time.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/segmentio/kafka-go"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: interop sarama-export-completions|kafkago-package-messages|kafkago-write-live|kafkago-dead-letter [flags]")
	}
	cmd, args := os.Args[1], os.Args[2:]
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	brokers := fs.String("brokers", "127.0.0.1:9092", "bootstrap servers, comma-separated")
	topic := fs.String("topic", "", "topic to read or write")
	n := fs.Int("n", 1, "records to read")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for them")
	keys := fs.String("keys", "", "kafkago-write-live: keys to write, comma-separated")
	dlq := fs.String("dlq", "", "kafkago-dead-letter: the DLQ topic")
	group := fs.String("group", "bookings-service-consumer-group", "kafkago-dead-letter: the consumer group named in the DLQ headers")
	reason := fs.String("error", "invalid message: schema mismatch", "kafkago-dead-letter: the handler's error")
	origin := fs.String("origin-headers", "full", "kafkago-dead-letter: full (dlq-original-topic, -partition, -offset) or package (only original-topic, as the package's sendToDLQ writes)")
	_ = fs.Parse(args)
	bs := strings.Split(*brokers, ",")
	switch cmd {
	case "sarama-export-completions":
		saramaExportCompletions(bs, *topic, *n, *timeout)
	case "kafkago-package-messages":
		msgs, parts := kafkagoRead(bs, *topic, *n, *timeout)
		for _, m := range msgs {
			line := decodePackageMessage(m)
			// Where the package's own producer (kafka-go's Hash balancer) puts this key.
			line["producer_partition"] = (&kafka.Hash{}).Balance(m, parts...)
			emit(line)
		}
	case "kafkago-write-live":
		kafkagoWriteLive(bs, *topic, strings.Split(*keys, ","))
	case "kafkago-dead-letter":
		kafkagoDeadLetter(bs, *topic, *n, *timeout, *dlq, *group, *reason, *origin == "package")
	default:
		fail("unknown subcommand " + cmd)
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "interop:", msg)
	os.Exit(1)
}

func emit(v map[string]any) {
	b, err := json.Marshal(v)
	if err != nil {
		fail(err.Error())
	}
	fmt.Println(string(b))
}

func bad(field, why string) map[string]any {
	return map[string]any{"ok": false, "error": field + ": " + why}
}

// The export service's consumer example, field for field.
type ExportCompletionMessage struct {
	ExportID    string `json:"export_id"`
	JobID       string `json:"job_id"`
	OrgID       string `json:"org_id"`
	Status      string `json:"status"`
	CompletedAt string `json:"completed_at"`
	DownloadURL string `json:"download_url,omitempty"`
	ErrorMsg    string `json:"error_message,omitempty"`
}

// Reads every partition from the oldest offset with sarama's partition consumers, as the
// service's consumer example does for one.
func saramaExportCompletions(brokers []string, topic string, n int, timeout time.Duration) {
	cfg := sarama.NewConfig()
	cfg.Consumer.Return.Errors = true
	consumer, err := sarama.NewConsumer(brokers, cfg)
	if err != nil {
		fail(err.Error())
	}
	defer consumer.Close()
	parts, err := consumer.Partitions(topic)
	if err != nil {
		fail(err.Error())
	}
	hash := sarama.NewHashPartitioner(topic)
	msgs := make(chan *sarama.ConsumerMessage, 64)
	for _, p := range parts {
		pc, err := consumer.ConsumePartition(topic, p, sarama.OffsetOldest)
		if err != nil {
			fail(err.Error())
		}
		defer pc.Close()
		go func() {
			for m := range pc.Messages() {
				msgs <- m
			}
		}()
	}
	deadline := time.After(timeout)
	for got := 0; got < n; got++ {
		select {
		case m := <-msgs:
			line := decodeExportCompletion(m)
			// Where the export service's own sarama producer (its default hash partitioner)
			// puts this key: a test record elsewhere is out of order with the service's.
			p, err := hash.Partition(&sarama.ProducerMessage{Topic: topic, Key: sarama.ByteEncoder(m.Key)}, int32(len(parts)))
			if err != nil {
				fail(err.Error())
			}
			line["producer_partition"] = p
			emit(line)
		case <-deadline:
			fmt.Fprintf(os.Stderr, "interop: %d of %d records on %s in %s\n", got, n, topic, timeout)
			os.Exit(2)
		}
	}
}

func saramaHeaders(m *sarama.ConsumerMessage) map[string]string {
	h := map[string]string{}
	for _, rh := range m.Headers {
		h[string(rh.Key)] = string(rh.Value)
	}
	return h
}

func decodeExportCompletion(m *sarama.ConsumerMessage) map[string]any {
	var c ExportCompletionMessage
	if err := json.Unmarshal(m.Value, &c); err != nil {
		return bad("value", err.Error())
	}
	h := saramaHeaders(m)
	switch {
	case c.ExportID == "":
		return bad("export_id", "empty")
	case c.JobID == "":
		return bad("job_id", "empty")
	case c.OrgID == "":
		return bad("org_id", "empty")
	case c.Status != "complete" && c.Status != "failed":
		return bad("status", fmt.Sprintf("%q is neither complete nor failed", c.Status))
	case string(m.Key) != c.ExportID:
		return bad("key", fmt.Sprintf("%q is not export_id %q", m.Key, c.ExportID))
	case h["event_type"] != "export_completion":
		return bad("header event_type", fmt.Sprintf("%q, want export_completion", h["event_type"]))
	case h["org_id"] != c.OrgID:
		return bad("header org_id", fmt.Sprintf("%q is not org_id %q", h["org_id"], c.OrgID))
	case c.Status == "complete" && c.DownloadURL == "":
		return bad("download_url", "missing on a complete export")
	case c.Status == "failed" && c.ErrorMsg == "":
		return bad("error_message", "missing on a failed export")
	}
	at, err := time.Parse(time.RFC3339, c.CompletedAt)
	if err != nil {
		return bad("completed_at", err.Error())
	}
	return map[string]any{
		"ok": true, "partition": m.Partition, "key": string(m.Key), "export_id": c.ExportID,
		"job_id": c.JobID, "org_id": c.OrgID, "status": c.Status,
		"completed_at_unix_ms": at.UnixMilli(), "download_url": c.DownloadURL,
		"error_message": c.ErrorMsg, "headers": h,
	}
}

// Reads every partition of topic from its first offset with kafka-go, one Reader per
// partition (a Reader without a group reads one partition).
// Also returns the topic's partition ids, in order.
func kafkagoRead(brokers []string, topic string, n int, timeout time.Duration) ([]kafka.Message, []int) {
	conn, err := kafka.Dial("tcp", brokers[0])
	if err != nil {
		fail(err.Error())
	}
	parts, err := conn.ReadPartitions(topic)
	conn.Close()
	if err != nil {
		fail(err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var mu sync.Mutex
	var got []kafka.Message
	done := make(chan struct{})
	var once sync.Once
	for _, p := range parts {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p.ID, MaxWait: 200 * time.Millisecond})
		r.SetOffset(kafka.FirstOffset)
		defer r.Close()
		go func() {
			for {
				m, err := r.ReadMessage(ctx)
				if err != nil {
					return
				}
				mu.Lock()
				got = append(got, m)
				if len(got) >= n {
					once.Do(func() { close(done) })
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-done:
	case <-ctx.Done():
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) < n {
		fmt.Fprintf(os.Stderr, "interop: %d of %d records on %s in %s\n", len(got), n, topic, timeout)
		os.Exit(2)
	}
	ids := make([]int, len(parts))
	for i, p := range parts {
		ids[i] = p.ID
	}
	sort.Ints(ids)
	out := append([]kafka.Message(nil), got[:n]...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Partition != out[j].Partition {
			return out[i].Partition < out[j].Partition
		}
		return out[i].Offset < out[j].Offset
	})
	return out, ids
}

// The Go package's Message as its consumer hands it to a handler: key, standard headers and a
// JSON value the handler decodes (DecodeValue) into its command.
type Message struct {
	Key           string
	EventID       string
	EventType     string
	CorrelationID string
	SchemaVersion string
	Source        string
	Timestamp     time.Time
	RetryCount    int
	Value         json.RawMessage
}

// The bookings service's command, from the package's consumer example.
type BookingCommand struct {
	Action string                 `json:"action"`
	Params map[string]interface{} `json:"params"`
}

var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// Every standard header the package sets on a record it publishes (conversation-id only when
// the builder was given one).
var standard = []string{"event-id", "event-type", "correlation-id", "schema-version", "source", "timestamp", "retry-count"}

func kafkagoHeaders(m kafka.Message) (map[string]string, []string) {
	h := map[string]string{}
	var names []string
	for _, kh := range m.Headers {
		h[kh.Key] = string(kh.Value)
		names = append(names, kh.Key)
	}
	return h, names
}

func parseMessage(m kafka.Message) (Message, map[string]string, []string, error) {
	h, names := kafkagoHeaders(m)
	for _, k := range standard {
		if _, ok := h[k]; !ok {
			return Message{}, h, names, fmt.Errorf("header %s: missing", k)
		}
	}
	if !uuidRe.MatchString(h["event-id"]) {
		return Message{}, h, names, fmt.Errorf("header event-id: %q is not a UUID", h["event-id"])
	}
	ts, err := time.Parse(time.RFC3339, h["timestamp"])
	if err != nil {
		return Message{}, h, names, fmt.Errorf("header timestamp: %v", err)
	}
	rc, err := strconv.Atoi(h["retry-count"])
	if err != nil {
		return Message{}, h, names, fmt.Errorf("header retry-count: %v", err)
	}
	return Message{
		Key: string(m.Key), EventID: h["event-id"], EventType: h["event-type"],
		CorrelationID: h["correlation-id"], SchemaVersion: h["schema-version"], Source: h["source"],
		Timestamp: ts, RetryCount: rc, Value: m.Value,
	}, h, names, nil
}

func decodePackageMessage(m kafka.Message) map[string]any {
	msg, h, names, err := parseMessage(m)
	if err != nil {
		field, why, _ := strings.Cut(err.Error(), ": ")
		return bad(field, why)
	}
	var cmd BookingCommand
	dec := json.NewDecoder(strings.NewReader(string(msg.Value)))
	if err := dec.Decode(&cmd); err != nil {
		return bad("value", err.Error())
	}
	switch {
	case cmd.Action == "":
		return bad("action", "empty")
	case msg.EventType == "":
		return bad("header event-type", "empty")
	case msg.Source == "":
		return bad("header source", "empty")
	}
	return map[string]any{
		"ok": true, "partition": m.Partition, "offset": m.Offset, "key": msg.Key,
		"event_id": msg.EventID, "event_type": msg.EventType, "correlation_id": msg.CorrelationID,
		"schema_version": msg.SchemaVersion, "source": msg.Source,
		"timestamp_unix_ms": msg.Timestamp.UnixMilli(), "retry_count": msg.RetryCount,
		"action": cmd.Action, "params": cmd.Params, "header_names": names, "headers": h,
	}
}

func newUUID() string {
	var b [16]byte
	f, err := os.Open("/dev/urandom")
	if err != nil {
		fail(err.Error())
	}
	defer f.Close()
	if _, err := f.Read(b[:]); err != nil {
		fail(err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// What the package's producer publishes: the key is the entity, the standard headers are set
// by its message builder, and kafka-go's Hash balancer (FNV-1a) places the key.
func kafkagoWriteLive(brokers []string, topic string, keys []string) {
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll, BatchTimeout: 10 * time.Millisecond}
	defer w.Close()
	var msgs []kafka.Message
	for i, k := range keys {
		value, _ := json.Marshal(map[string]any{
			"action": "create_booking",
			"params": map[string]any{"booking_id": k, "seq": i, "start_time": time.Now().UTC().Add(time.Hour).Format(time.RFC3339)},
		})
		msgs = append(msgs, kafka.Message{Key: []byte(k), Value: value, Headers: []kafka.Header{
			{Key: "event-id", Value: []byte(newUUID())},
			{Key: "event-type", Value: []byte("booking.create.requested")},
			{Key: "correlation-id", Value: []byte("corr-" + k)},
			{Key: "schema-version", Value: []byte("v1")},
			{Key: "source", Value: []byte("pipeline-executor")},
			{Key: "timestamp", Value: []byte(time.Now().UTC().Format(time.RFC3339))},
			{Key: "retry-count", Value: []byte("0")},
		}})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		fail(err.Error())
	}
	emit(map[string]any{"ok": true, "written": len(msgs)})
}

// The package's consumer after its handler failed for good: the record goes to the DLQ with
// its key, value and headers, retry-count at the attempts made, and the DLQ headers naming its
// origin and the error. packageOnly: the four the package's sendToDLQ writes (original-topic,
// dlq-error, dlq-timestamp, dlq-consumer-group), no origin partition or offset.
func kafkagoDeadLetter(brokers []string, topic string, n int, timeout time.Duration, dlq, group, reason string, packageOnly bool) {
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: dlq, Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll, BatchTimeout: 10 * time.Millisecond}
	defer w.Close()
	var out []kafka.Message
	msgs, _ := kafkagoRead(brokers, topic, n, timeout)
	for _, m := range msgs {
		var hs []kafka.Header
		for _, h := range m.Headers {
			if h.Key != "retry-count" {
				hs = append(hs, h)
			}
		}
		hs = append(hs, kafka.Header{Key: "retry-count", Value: []byte("3")})
		if packageOnly {
			hs = append(hs, kafka.Header{Key: "original-topic", Value: []byte(m.Topic)})
		} else {
			hs = append(hs,
				kafka.Header{Key: "dlq-original-topic", Value: []byte(m.Topic)},
				kafka.Header{Key: "dlq-original-partition", Value: []byte(strconv.Itoa(m.Partition))},
				kafka.Header{Key: "dlq-original-offset", Value: []byte(strconv.FormatInt(m.Offset, 10))},
			)
		}
		hs = append(hs,
			kafka.Header{Key: "dlq-error", Value: []byte(reason)},
			kafka.Header{Key: "dlq-timestamp", Value: []byte(time.Now().UTC().Format(time.RFC3339))},
			kafka.Header{Key: "dlq-consumer-group", Value: []byte(group)},
		)
		out = append(out, kafka.Message{Key: m.Key, Value: m.Value, Headers: hs})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, out...); err != nil {
		fail(err.Error())
	}
	emit(map[string]any{"ok": true, "dead_lettered": len(out)})
}
