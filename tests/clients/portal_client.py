"""The FRANC portal's own Kafka client (kafka-python), for tests/interop.rs: reads the portal's
events kdeck publishes and checks each against the portal's event schema (field types, the
event_id and request_id formats, ISO-8601 times, the change number as key). Prints one JSON line
per record, {"ok": true, ...} or {"ok": false, "error": "<field>: <why>"}; exits 2 when fewer than
--n records came within --timeout-ms.

    python portal_client.py --brokers B --topic T --n N [--timeout-ms MS]
"""

import argparse
import json
import re
import sys
from datetime import datetime

from kafka import KafkaConsumer
from kafka.partitioner import DefaultPartitioner

# event_type -> (event_id prefix, request_id prefix), from the portal's event schema.
KINDS = {
    "device_connection": ("conn", "device_conn"),
    "datacenter_deployment": ("dc", "datacenter"),
    "pop_deployment": ("pop", "pop"),
    "task_status_update": ("status", "status_update"),
    "task_completion": ("complete", "completion"),
}
CHANGE = re.compile(r"^CHG-\d{4}-\d{6}$")
STAMP = re.compile(r"^(?P<prefix>[a-z]+)_(?P<change>CHG-\d{4}-\d{6})_(?P<stamp>\d{8}_\d{6})$")


class Misfit(Exception):
    pass


def need(ev, field, kind):
    if field not in ev:
        raise Misfit(f"{field}: missing")
    v = ev[field]
    if kind is float:
        ok = isinstance(v, (int, float)) and not isinstance(v, bool)
    elif kind is int:
        ok = isinstance(v, int) and not isinstance(v, bool)
    else:
        ok = isinstance(v, kind)
    if not ok:
        raise Misfit(f"{field}: {v!r} is not {getattr(kind, '__name__', kind)}")
    return v


def iso(ev, field):
    v = need(ev, field, str)
    try:
        return datetime.strptime(v, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError as e:
        raise Misfit(f"{field}: {e}") from None


def decode(key, ev):
    if not isinstance(ev, dict):
        raise Misfit("value: not a JSON object")
    event_type = need(ev, "event_type", str)
    if event_type not in KINDS:
        raise Misfit(f"event_type: {event_type} is not a portal event")
    id_prefix, request_prefix = KINDS[event_type]
    change = need(ev, "change_number", str)
    if not CHANGE.match(change):
        raise Misfit(f"change_number: {change} is not CHG-YYYY-NNNNNN")
    event_id = need(ev, "event_id", str)
    m = STAMP.match(event_id)
    if not m or m["prefix"] != id_prefix or m["change"] != change:
        raise Misfit(f"event_id: {event_id} is not {id_prefix}_{change}_YYYYMMDD_HHMMSS")
    try:
        stamp = datetime.strptime(m["stamp"], "%Y%m%d_%H%M%S")
    except ValueError as e:
        raise Misfit(f"event_id: {e}") from None
    request_id = need(ev, "request_id", str)
    if request_id != f"{request_prefix}_{change}":
        raise Misfit(f"request_id: {request_id} is not {request_prefix}_{change}")
    ts = iso(ev, "timestamp")
    if ev.get("user_id") is not None:
        need(ev, "user_id", str)
    if need(ev, "source", str) != "franc-portal":
        raise Misfit(f"source: {ev['source']} is not franc-portal")
    if key != change:
        raise Misfit(f"key: {key} is not change_number {change}")
    out = {
        "event_type": event_type,
        "event_id": event_id,
        "event_id_stamp": stamp.isoformat(),
        "change_number": change,
        "request_id": request_id,
        "timestamp": ts.isoformat(),
    }
    out.update(KIND_FIELDS[event_type](ev, change))
    return out


def device_connection(ev, _change):
    interfaces = need(ev, "interfaces", list)
    for i, itf in enumerate(interfaces):
        if not isinstance(itf, dict):
            raise Misfit(f"interfaces[{i}]: not an object")
        for f in ("name", "speed", "role"):
            need(itf, f, str)
    groups = need(ev, "vpc_groups", list)
    if not all(isinstance(g, str) for g in groups):
        raise Misfit("vpc_groups: not a list of text")
    return {
        "device_name": need(ev, "device_name", str),
        "device_type": need(ev, "device_type", str),
        "location": need(ev, "location", str),
        "interfaces": [itf["name"] for itf in interfaces],
        "vpc_groups": groups,
    }


def original(ev, change):
    orig = need(ev, "original_request_id", str)
    if not orig.endswith(f"_{change}"):
        raise Misfit(f"original_request_id: {orig} is not the request of {change}")
    return orig


def task_status(ev, change):
    status = need(ev, "status", str)
    if status not in ("pending", "in_progress", "completed", "failed"):
        raise Misfit(f"status: {status} is not a task status")
    progress = need(ev, "progress_percentage", int)
    if not 0 <= progress <= 100:
        raise Misfit(f"progress_percentage: {progress} is not 0..100")
    if ev.get("error_details") is not None:
        need(ev, "error_details", (str, dict))
    return {
        "original_request_id": original(ev, change),
        "status": status,
        "progress_percentage": progress,
        "status_message": need(ev, "status_message", str),
        "estimated_completion": iso(ev, "estimated_completion").isoformat(),
    }


def task_completion(ev, change):
    status = need(ev, "completion_status", str)
    if status not in ("completed", "failed"):
        raise Misfit(f"completion_status: {status} is neither completed nor failed")
    if ev.get("result_data") is not None:
        need(ev, "result_data", dict)
    if ev.get("error_details") is not None:
        need(ev, "error_details", (str, dict))
    return {
        "original_request_id": original(ev, change),
        "completion_status": status,
        "completion_message": need(ev, "completion_message", str),
        "result_data": ev.get("result_data"),
        "execution_duration": need(ev, "execution_duration", float),
    }


KIND_FIELDS = {
    "device_connection": device_connection,
    "task_status_update": task_status,
    "task_completion": task_completion,
    "datacenter_deployment": lambda ev, _c: {"dc_name": need(ev, "dc_name", str)},
    "pop_deployment": lambda ev, _c: {"pop_name": need(ev, "pop_name", str)},
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--brokers", default="127.0.0.1:9092")
    ap.add_argument("--topic", required=True)
    ap.add_argument("--n", type=int, default=1)
    ap.add_argument("--timeout-ms", type=int, default=30000)
    a = ap.parse_args()
    consumer = KafkaConsumer(
        a.topic,
        bootstrap_servers=a.brokers.split(","),
        group_id=None,
        auto_offset_reset="earliest",
        consumer_timeout_ms=a.timeout_ms,
        key_deserializer=lambda k: k.decode("utf-8") if k is not None else None,
    )
    # Where the portal's own kafka-python producer (its default partitioner) puts a key: a test
    # record elsewhere is out of order with the portal's records of that change.
    parts = None
    got = 0
    for rec in consumer:
        if parts is None:
            parts = sorted(consumer.partitions_for_topic(a.topic))
        try:
            ev = json.loads(rec.value)
            line = {"ok": True, "partition": rec.partition, "key": rec.key}
            line.update(decode(rec.key, ev))
            line["headers"] = {k: v.decode("utf-8", "replace") for k, v in rec.headers}
            line["producer_partition"] = DefaultPartitioner()(rec.key.encode(), parts, parts)
        except (Misfit, ValueError) as e:
            line = {"ok": False, "error": str(e)}
        print(json.dumps(line), flush=True)
        got += 1
        if got >= a.n:
            break
    consumer.close()
    if got < a.n:
        print(f"portal_client.py: {got} of {a.n} records on {a.topic}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
