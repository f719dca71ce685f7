"""Drives a gateway with Segment's own Python library (segment-analytics-python).

Usage: segment_python.py HOST EU_WRITE_KEY US_WRITE_KEY

Sends every event type with an EU workspace's write key (through the module-level
`segment.analytics` with flush(), through a gzip client, and in sync_mode) and with a US
workspace's write key (flush() and sync_mode), and prints one JSON document on stdout:
the messages each key sent as the library built them, and every error the library
reported (its on_error callback, or the APIError sync_mode raises).
"""

import json
import logging
import sys

import segment.analytics as analytics
from segment.analytics import Client
from segment.analytics.request import APIError

host, eu_key, us_key = sys.argv[1:4]
logging.getLogger("segment").setLevel(logging.CRITICAL)

errors = []


def recorder(key_name, via):
    def on_error(error, batch):
        errors.append(
            {
                "key": key_name,
                "via": via,
                "status": getattr(error, "status", None),
                "code": getattr(error, "code", None),
                "message": str(getattr(error, "message", error)),
                "text": str(error),
                "message_ids": [m.get("messageId") for m in batch],
            }
        )

    return on_error


def every_event(client, tag):
    """One of each event type; returns the messages as the library queued them."""
    sent = []
    calls = [
        lambda id: client.track(user_id="u-" + tag, event="Order Completed " + tag, message_id=id,
                                properties={"revenue": 42.5, "currency": "EUR", "items": [1, 2], "tag": tag}),
        lambda id: client.identify(user_id="u-" + tag, traits={"plan": "business", "tag": tag}, message_id=id),
        lambda id: client.page(user_id="u-" + tag, category="Docs", name="Regional " + tag,
                               properties={"path": "/docs/" + tag}, message_id=id),
        lambda id: client.screen(user_id="u-" + tag, name="Home " + tag, properties={"tag": tag}, message_id=id),
        lambda id: client.group(user_id="u-" + tag, group_id="g-" + tag, traits={"tag": tag}, message_id=id),
        lambda id: client.alias(previous_id="anon-" + tag, user_id="u-" + tag, message_id=id),
    ]
    for i, call in enumerate(calls):
        message_id = "%s-%d" % (tag, i)
        try:
            ok, msg = call(message_id)
        except APIError as e:  # sync_mode raises what on_error would get
            errors.append({"key": tag.split("-")[0], "via": "raise", "status": e.status, "code": e.code,
                           "message": str(e.message), "text": str(e), "message_ids": [message_id]})
            sent.append({"messageId": message_id, "raised": True})
            continue
        sent.append(msg)
    return sent


result = {"eu": [], "us": [], "errors": errors}

# The module-level API, as Segment documents it, with `host` set to the gateway.
analytics.write_key = eu_key
analytics.host = host
analytics.on_error = recorder("eu", "module")
analytics.max_retries = 0
result["eu"] += every_event(analytics, "eu-module")
analytics.flush()

# A client that gzips its batches.
eu_gzip = Client(eu_key, host=host, gzip=True, on_error=recorder("eu", "gzip"), max_retries=0)
result["eu"] += every_event(eu_gzip, "eu-gzip")
eu_gzip.flush()

# sync_mode: one request per call.
eu_sync = Client(eu_key, host=host, sync_mode=True, on_error=recorder("eu", "sync"), max_retries=0)
result["eu"] += every_event(eu_sync, "eu-sync")

# A US workspace's key sent to the EU gateway: batched (on_error) and sync_mode (raise).
us = Client(us_key, host=host, on_error=recorder("us", "flush"), max_retries=0)
result["us"] += every_event(us, "us-flush")
us.flush()
us_sync = Client(us_key, host=host, sync_mode=True, gzip=True, on_error=recorder("us", "sync"), max_retries=0)
result["us"] += every_event(us_sync, "us-sync")

for c in (eu_gzip, us):
    c.shutdown()
analytics.shutdown()

json.dump(result, sys.stdout, default=str)
