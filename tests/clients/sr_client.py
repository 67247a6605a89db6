#!/usr/bin/env python3
"""Confluent's own serializers and deserializers, for kdeck's schema-registry tests.

Records that kdeck decodes in the tests are written here by a third party (confluent-kafka's
AvroSerializer, ProtobufSerializer, JSONSerializer against a real registry), and what kdeck
writes is read back by the matching deserializers, so neither side checks kdeck against itself.
Run with the virtualenv of scripts/pyclients.sh.

    produce  --bootstrap B --registry URL --topic T --format avro|protobuf|json --schema FILE
             [--message NAME] [--reference NAME=SUBJECT:VERSION ...]
             [--key-format string|avro|json|none] [--key-schema FILE]
             [--subject-strategy topic|record|topic-record] [--partition P]
        JSON lines on stdin, each {"key": ..., "value": ...}; a null value is a tombstone.
        Prints "PARTITION OFFSET" per record, in input order, then "schema-id ID" (the value
        schema's id, read back from the bytes written; "key-schema-id ID" too for a
        registry-encoded key).
    consume  --bootstrap B --registry URL --topic T --format avro|protobuf|json
             [--schema FILE --message NAME] --count N [--timeout S] [--with-key]
             [--key-format string|avro|json|none] [--proto-defaults]
        Reads N records from the beginning of every partition and prints each value as one JSON
        line (with --with-key: {"partition", "offset", "key", "value"}). Order is per partition:
        produce with --partition for a fixed order across records.
    register --registry URL --subject S --format avro|protobuf|json --schema FILE
             [--reference NAME=SUBJECT:VERSION ...]
        Registers the file's text as is (for Protobuf: .proto text, where the serializer
        registers a base64 FileDescriptorProto) and prints the id.

--message is a message's name in the .proto file's package ("TaskEvent", "TaskEvent.Step") or a
full name ("kdeck.test.TaskEvent"). The .proto file is compiled at run time by grpcio-tools'
bundled protoc (there is no protoc on the machine).

JSON conventions for Avro, on stdin and stdout alike, so that what consume prints equals what
produce read (less the defaults filled in):
  - decimal (bytes or fixed): a string with the schema's scale, e.g. "12.50", "-0.01";
  - timestamp-millis / timestamp-micros / local-timestamp-*: an integer, epoch millis / micros;
  - date: an integer, days since the epoch; time-millis / time-micros: an integer;
  - uuid: a string; bytes and fixed (without a logical type): standard base64;
  - unions: the bare value, no {"type": value} wrapper; enums: the symbol.
Protobuf prints as google.protobuf.json_format.MessageToDict with preserving_proto_field_name:
int64/uint64 as strings, enums by name, bytes as base64, Timestamp as RFC 3339; fields at
their default value are left out unless --proto-defaults. JSON Schema values print as decoded.
Every JSON line is printed with sorted keys and ensure_ascii=False.
"""

import argparse
import base64
import datetime
import decimal
import json
import os
import sys
import tempfile
import time
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition
from google.protobuf import json_format
from confluent_kafka.serialization import (
    MessageField,
    SerializationContext,
    SerializationError,
    StringDeserializer,
    StringSerializer,
)
from confluent_kafka.schema_registry import (
    Schema,
    SchemaReference,
    SchemaRegistryClient,
    record_subject_name_strategy,
    topic_record_subject_name_strategy,
    topic_subject_name_strategy,
)
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer

SCHEMA_TYPES = {"avro": "AVRO", "protobuf": "PROTOBUF", "json": "JSON"}
STRATEGIES = {
    "topic": topic_subject_name_strategy,
    "record": record_subject_name_strategy,
    "topic-record": topic_record_subject_name_strategy,
}
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def fail(msg):
    print(f"sr_client.py: {msg}", file=sys.stderr)
    sys.exit(1)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def dump(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def parse_references(client, specs):
    refs = []
    for spec in specs or []:
        try:
            name, rest = spec.split("=", 1)
            subject, version = rest.rsplit(":", 1)
        except ValueError:
            fail(f"--reference {spec!r}: expected NAME=SUBJECT:VERSION")
        if version == "latest":
            version = client.get_latest_version(subject).version
        refs.append(SchemaReference(name, subject, int(version)))
    return refs


# ---- Protobuf: message classes from a .proto file, compiled at run time ----------------------

def proto_message_class(path, name):
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    # Loaded first so that the pool's copy of the well-known files is the one the runtime
    # itself uses (json_format handles Timestamp and the like by their descriptors).
    from google.protobuf import any_pb2, duration_pb2, struct_pb2, timestamp_pb2, wrappers_pb2  # noqa: F401
    import grpc_tools
    from grpc_tools import protoc

    path = os.path.abspath(path)
    wkt = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "set.pb")
        rc = protoc.main(["protoc", f"-I{os.path.dirname(path)}", f"-I{wkt}",
                          f"--descriptor_set_out={out}", "--include_imports", path])
        if rc != 0:
            fail(f"protoc could not compile {path}")
        fds = descriptor_pb2.FileDescriptorSet()
        with open(out, "rb") as f:
            fds.ParseFromString(f.read())
    pool = descriptor_pool.Default()
    for fdp in fds.file:
        try:
            pool.FindFileByName(fdp.name)
        except KeyError:
            pool.Add(fdp)
    main = fds.file[-1]
    full = name if not main.package or name.startswith(main.package + ".") else f"{main.package}.{name}"
    try:
        desc = pool.FindMessageTypeByName(full)
    except KeyError:
        fail(f"no message {full} in {path}")
    return message_factory.GetMessageClass(desc)


# ---- Avro: JSON values to and from what fastavro takes and gives ------------------------------

class AvroJson:
    """Walks an Avro schema to turn the JSON conventions above into fastavro's Python values."""

    def __init__(self, schemas):
        self.named = {}
        for s in schemas:
            self._collect(s, None)

    def _collect(self, s, ns):
        if isinstance(s, list):
            for b in s:
                self._collect(b, ns)
        elif isinstance(s, dict):
            t = s.get("type")
            if t in ("record", "error", "enum", "fixed"):
                ns = s.get("namespace", ns)
                name = s["name"] if "." in s["name"] or not ns else f"{ns}.{s['name']}"
                self.named[name] = (s, ns)
                for f in s.get("fields", []):
                    self._collect(f["type"], ns)
            elif t == "array":
                self._collect(s["items"], ns)
            elif t == "map":
                self._collect(s["values"], ns)
            elif isinstance(t, (dict, list)):
                self._collect(t, ns)

    def _resolve(self, s, ns):
        if isinstance(s, str):
            if s in self.named:
                return self.named[s]
            if ns and f"{ns}.{s}" in self.named:
                return self.named[f"{ns}.{s}"]
            return s, ns
        if isinstance(s, dict) and isinstance(s.get("type"), (dict, list)) and "logicalType" not in s:
            return self._resolve(s["type"], ns)
        if isinstance(s, dict) and s.get("type") in ("record", "error", "enum", "fixed"):
            ns = s.get("namespace", ns) if "." not in s["name"] else s["name"].rsplit(".", 1)[0]
        return s, ns

    def to_avro(self, s, v, ns=None):
        s, ns = self._resolve(s, ns)
        if isinstance(s, list):
            if v is None:
                return None
            errors = []
            for branch in s:
                if branch == "null":
                    continue
                try:
                    return self.to_avro(branch, v, ns)
                except (ValueError, TypeError, KeyError, decimal.InvalidOperation) as e:
                    errors.append(str(e))
            raise ValueError(f"no union branch takes {v!r}: {errors}")
        t = s if isinstance(s, str) else s.get("type")
        logical = s.get("logicalType") if isinstance(s, dict) else None
        if logical == "decimal" and t in ("bytes", "fixed"):
            if not isinstance(v, str):
                raise TypeError(f"a decimal is a string, not {v!r}")
            return decimal.Decimal(v).quantize(decimal.Decimal(1).scaleb(-s.get("scale", 0)))
        if logical == "uuid":
            return str(v)
        if t in ("bytes", "fixed"):
            if not isinstance(v, str):
                raise TypeError(f"bytes are base64 text, not {v!r}")
            return base64.b64decode(v, validate=True)
        if t in ("record", "error"):
            if not isinstance(v, dict):
                raise TypeError(f"a record is an object, not {v!r}")
            names = {f["name"] for f in s["fields"]}
            extra = set(v) - names
            if extra:
                raise KeyError(f"fields not in {s['name']}: {sorted(extra)}")
            return {f["name"]: self.to_avro(f["type"], v[f["name"]], ns)
                    for f in s["fields"] if f["name"] in v}
        if t == "array":
            return [self.to_avro(s["items"], x, ns) for x in v]
        if t == "map":
            return {k: self.to_avro(s["values"], x, ns) for k, x in v.items()}
        if t == "enum":
            if v not in s["symbols"]:
                raise ValueError(f"{v!r} is not a symbol of {s['name']}")
            return v
        if t == "int" and logical is None and not isinstance(v, int):
            raise TypeError(f"{v!r} is not an int")
        if t == "string" and not isinstance(v, str):
            raise TypeError(f"{v!r} is not a string")
        return v

    @staticmethod
    def to_json(v):
        # fastavro gives Python values; the logical types become the conventions above.
        if isinstance(v, dict):
            return {k: AvroJson.to_json(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [AvroJson.to_json(x) for x in v]
        if isinstance(v, decimal.Decimal):
            return str(v)
        if isinstance(v, datetime.datetime):
            if v.tzinfo is None:
                v = v.replace(tzinfo=datetime.timezone.utc)
            d = v - EPOCH
            micros = (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds
            return micros // 1000 if micros % 1000 == 0 else micros
        if isinstance(v, datetime.date):
            return (v - EPOCH.date()).days
        if isinstance(v, datetime.time):
            micros = ((v.hour * 60 + v.minute) * 60 + v.second) * 1_000_000 + v.microsecond
            return micros // 1000 if micros % 1000 == 0 else micros
        if isinstance(v, uuid.UUID):
            return str(v)
        if isinstance(v, (bytes, bytearray)):
            return base64.b64encode(v).decode("ascii")
        return v


def avro_schemas(client, schema_text, refs):
    """The schema and every schema it references (recursively), parsed, references first."""
    out, seen = [], set()

    def walk(ref_list):
        for r in ref_list:
            if (r.subject, r.version) in seen:
                continue
            seen.add((r.subject, r.version))
            reg = client.get_version(r.subject, r.version)
            walk(reg.schema.references or [])
            out.append(json.loads(reg.schema.schema_str))

    walk(refs)
    main = json.loads(schema_text)
    out.append(main)
    return main, out


# ---- Serializers ------------------------------------------------------------------------------

def make_serializer(client, fmt, schema_path, message, refs, strategy):
    """A callable(json_value, ctx) -> bytes."""
    conf = {"subject.name.strategy": strategy}
    if fmt == "avro":
        text = read(schema_path)
        main, all_schemas = avro_schemas(client, text, refs)
        conv = AvroJson(all_schemas)
        ser = AvroSerializer(client, Schema(text, "AVRO", refs), conf=conf)
        return lambda v, ctx: ser(conv.to_avro(main, v), ctx)
    if fmt == "json":
        ser = JSONSerializer(Schema(read(schema_path), "JSON", refs), client, conf=conf)
        return ser
    if fmt == "protobuf":
        if not message:
            fail("--format protobuf needs --message")
        cls = proto_message_class(schema_path, message)
        conf["use.deprecated.format"] = False
        ser = ProtobufSerializer(cls, client, conf)
        return lambda v, ctx: ser(json_format.ParseDict(v, cls()), ctx)
    fail(f"unknown format {fmt}")


def make_deserializer(client, fmt, schema_path, message, proto_defaults):
    """A callable(bytes, ctx) -> JSON-ready value."""
    if fmt == "avro":
        de = AvroDeserializer(client)
        return lambda b, ctx: AvroJson.to_json(de(b, ctx))
    if fmt == "json":
        return JSONDeserializer(None, schema_registry_client=client)
    if fmt == "protobuf":
        if not (schema_path and message):
            fail("--format protobuf needs --schema and --message to consume")
        cls = proto_message_class(schema_path, message)
        de = ProtobufDeserializer(cls, {"use.deprecated.format": False}, schema_registry_client=client)
        opts = {"preserving_proto_field_name": True}
        if proto_defaults:
            opts["always_print_fields_with_no_presence"] = True

        def decode(b, ctx):
            m = de(b, ctx)
            return None if m is None else json_format.MessageToDict(m, **opts)
        return decode
    fail(f"unknown format {fmt}")


def key_codec(client, args, encode):
    fmt = args.key_format
    if fmt == "none":
        return None
    if fmt == "string":
        return StringSerializer("utf_8") if encode else StringDeserializer("utf_8")
    if fmt in ("avro", "json"):
        if encode:
            strategy = STRATEGIES[args.subject_strategy]
            if fmt == "avro" and not args.key_schema:
                # A bare Avro string: the usual shape of a registry-encoded key.
                return AvroSerializer(client, '"string"', conf={"subject.name.strategy": strategy})
            if not args.key_schema:
                fail(f"--key-format {fmt} needs --key-schema")
            return make_serializer(client, fmt, args.key_schema, None, [], strategy)
        return make_deserializer(client, fmt, None, None, False)
    fail(f"unknown key format {fmt}")


def schema_id(data):
    if data is None or len(data) < 5 or data[0] != 0:
        return None
    return int.from_bytes(data[1:5], "big")


# ---- Commands ---------------------------------------------------------------------------------

def cmd_produce(args):
    client = SchemaRegistryClient({"url": args.registry})
    refs = parse_references(client, args.reference)
    strategy = STRATEGIES[args.subject_strategy]
    value_ser = make_serializer(client, args.format, args.schema, args.message, refs, strategy)
    key_ser = key_codec(client, args, True)
    # One request in flight: records keep their input order within a partition through retries,
    # without idempotence (whose producer id a just-started broker is slow to hand out).
    producer = Producer({"bootstrap.servers": args.bootstrap, "linger.ms": 5, "acks": "all",
                         "max.in.flight.requests.per.connection": 1})
    vctx = SerializationContext(args.topic, MessageField.VALUE)
    kctx = SerializationContext(args.topic, MessageField.KEY)
    results, errors = {}, []
    value_id = key_id = None

    def delivered(i):
        def cb(err, msg):
            if err is not None:
                errors.append(f"record {i}: {err}")
            else:
                results[i] = (msg.partition(), msg.offset())
        return cb

    n = 0
    for line_no, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        # A record the schema refuses is a test's mistake: say which line, without a traceback.
        try:
            rec = json.loads(line)
            value = rec.get("value")
            vbytes = None if value is None else value_ser(value, vctx)
            kbytes = None
            if key_ser is not None and rec.get("key") is not None:
                kbytes = key_ser(rec["key"], kctx)
        except (SerializationError, json_format.ParseError, ValueError, TypeError, KeyError,
                decimal.InvalidOperation) as e:
            fail(f"stdin line {line_no}: {type(e).__name__}: {e}")
        if kbytes is not None and args.key_format != "string":
            key_id = schema_id(kbytes)
        if vbytes is not None:
            value_id = schema_id(vbytes)
        extra = {} if args.partition is None else {"partition": args.partition}
        producer.produce(args.topic, key=kbytes, value=vbytes, on_delivery=delivered(n), **extra)
        producer.poll(0)
        n += 1
    if producer.flush(30) != 0:
        fail("records still undelivered after 30 s")
    if errors:
        fail("; ".join(errors))
    for i in range(n):
        print(*results[i])
    if value_id is not None:
        print(f"schema-id {value_id}")
    if key_id is not None:
        print(f"key-schema-id {key_id}")


def cmd_consume(args):
    client = SchemaRegistryClient({"url": args.registry})
    value_de = make_deserializer(client, args.format, args.schema, args.message, args.proto_defaults)
    key_de = key_codec(client, args, False) if args.with_key else None
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": f"sr-client-{uuid.uuid4()}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "enable.partition.eof": False,
    })
    # Assigned, not subscribed: no group rebalance to wait for, and every partition from 0.
    deadline = time.monotonic() + args.timeout
    parts = None
    while parts is None:
        md = consumer.list_topics(args.topic, timeout=max(0.1, deadline - time.monotonic()))
        t = md.topics.get(args.topic)
        if t is not None and t.error is None and t.partitions:
            parts = sorted(t.partitions)
        elif time.monotonic() > deadline:
            fail(f"topic {args.topic} not found within {args.timeout} s")
        else:
            time.sleep(0.2)
    consumer.assign([TopicPartition(args.topic, p, 0) for p in parts])
    got = 0
    try:
        while got < args.count:
            left = deadline - time.monotonic()
            if left <= 0:
                fail(f"{got} of {args.count} records within {args.timeout} s")
            msg = consumer.poll(min(left, 1.0))
            if msg is None:
                continue
            if msg.error():
                fail(str(msg.error()))
            vctx = SerializationContext(msg.topic(), MessageField.VALUE, msg.headers())
            value = value_de(msg.value(), vctx)
            if args.with_key:
                kctx = SerializationContext(msg.topic(), MessageField.KEY, msg.headers())
                key = msg.key()
                if key_de is not None and key is not None:
                    key = key_de(key, kctx)
                elif key is not None:
                    key = base64.b64encode(key).decode("ascii")
                print(dump({"partition": msg.partition(), "offset": msg.offset(), "key": key, "value": value}))
            else:
                print(dump(value))
            sys.stdout.flush()
            got += 1
    finally:
        consumer.close()


def cmd_register(args):
    client = SchemaRegistryClient({"url": args.registry})
    refs = parse_references(client, args.reference)
    schema = Schema(read(args.schema), SCHEMA_TYPES[args.format], refs)
    print(client.register_schema(args.subject, schema))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp, registry_only=False):
        if not registry_only:
            sp.add_argument("--bootstrap", required=True)
            sp.add_argument("--topic", required=True)
        sp.add_argument("--registry", required=True, help="the Confluent API's base URL")
        sp.add_argument("--format", required=True, choices=sorted(SCHEMA_TYPES))

    pp = sub.add_parser("produce")
    common(pp)
    pp.add_argument("--schema", required=True)
    pp.add_argument("--message")
    pp.add_argument("--reference", action="append", metavar="NAME=SUBJECT:VERSION")
    pp.add_argument("--key-format", default="string", choices=["string", "avro", "json", "none"])
    pp.add_argument("--key-schema")
    pp.add_argument("--subject-strategy", default="topic", choices=sorted(STRATEGIES))
    pp.add_argument("--partition", type=int)

    cp = sub.add_parser("consume")
    common(cp)
    cp.add_argument("--schema")
    cp.add_argument("--message")
    cp.add_argument("--count", type=int, required=True)
    cp.add_argument("--timeout", type=float, default=30.0)
    cp.add_argument("--with-key", action="store_true")
    cp.add_argument("--key-format", default="string", choices=["string", "avro", "json", "none"])
    cp.add_argument("--proto-defaults", action="store_true")

    rp = sub.add_parser("register")
    common(rp, registry_only=True)
    rp.add_argument("--subject", required=True)
    rp.add_argument("--schema", required=True)
    rp.add_argument("--reference", action="append", metavar="NAME=SUBJECT:VERSION")

    args = p.parse_args()
    {"produce": cmd_produce, "consume": cmd_consume, "register": cmd_register}[args.cmd](args)


if __name__ == "__main__":
    main()
