#!/usr/bin/env python3
"""Waits for the outcome of a deploy request on a Pub/Sub subscription of deploy-events.

    wait_deploy.py --subscription cloudbuild.deploy-events --service SERVICE --since RFC3339
                   [--timeout SECONDS] [--poll SECONDS] [--stale SECONDS]

Reads dev.mlcp.deploy.*.v1 events (CloudEvents binary mode: ce-* attributes, JSON data) with
gcloud. Events of SERVICE at or after --since are acknowledged and printed; the first
dev.mlcp.deploy.succeeded.v1 ends it with status 0, dev.mlcp.deploy.failed.v1 or
dev.mlcp.deploy.rolledback.v1 with status 1 (the build fails), the timeout with status 3. Events of
other services are handed back at once (ack deadline 0) for the builds waiting for them; events
older than --stale seconds, which nobody waits for any more, and messages that are not deploy
events are acknowledged and dropped. Concurrent deploys of the same service cannot be told apart:
the deploy events carry no request key.
"""
import argparse
import base64
import datetime
import json
import re
import subprocess
import sys
import time

PREFIX = "dev.mlcp.deploy."
SUCCEEDED = PREFIX + "succeeded.v1"
FAILED = (PREFIX + "failed.v1", PREFIX + "rolledback.v1")


RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")


def parse_time(value):
    """An RFC 3339 time (any number of fraction digits, as Java and Pub/Sub write them) or None."""
    m = RFC3339.match(value or "")
    if not m:
        return None
    fraction = (m.group(2) or "0")[:6].ljust(6, "0")
    zone = "+00:00" if m.group(3) == "Z" else m.group(3)
    try:
        return datetime.datetime.fromisoformat("%s.%s%s" % (m.group(1), fraction, zone))
    except ValueError:
        return None


def gcloud(*args):
    result = subprocess.run(["gcloud", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError("gcloud %s failed: %s" % (" ".join(args[:3]), result.stderr.strip()))
    return result.stdout


def pull(subscription, limit):
    out = gcloud("pubsub", "subscriptions", "pull", subscription, "--format=json", "--limit=%d" % limit)
    return json.loads(out or "[]")


def ack(subscription, ids):
    if ids:
        gcloud("pubsub", "subscriptions", "ack", subscription, "--ack-ids=" + ",".join(ids))


def hand_back(subscription, ids):
    if ids:
        gcloud("pubsub", "subscriptions", "modify-message-ack-deadline", subscription,
               "--ack-ids=" + ",".join(ids), "--ack-deadline=0")


def describe(kind, data):
    fields = ("deploymentId", "revision", "step", "trafficPercent", "url", "reason", "fromRevision", "toRevision")
    details = ", ".join("%s=%s" % (f, data[f]) for f in fields if data.get(f) not in (None, ""))
    return "%s %s" % (kind[len(PREFIX):-len(".v1")] if kind.endswith(".v1") else kind, details)


def decide(received, service, since, stale_before):
    """For one pulled message: ('ack'|'hand-back', outcome or None, line or None)."""
    message = received.get("message", {})
    attributes = message.get("attributes") or {}
    kind = attributes.get("ce-type", "")
    if not kind.startswith(PREFIX):
        return "ack", None, None
    sent = parse_time(attributes.get("ce-time")) or parse_time(message.get("publishTime"))
    if attributes.get("ce-subject") == service and sent is not None and sent >= since:
        try:
            data = json.loads(base64.b64decode(message.get("data", "")) or b"{}")
        except ValueError:
            data = {}
        outcome = 0 if kind == SUCCEEDED else 1 if kind in FAILED else None
        return "ack", outcome, describe(kind, data)
    if sent is None or sent < stale_before:
        return "ack", None, None
    return "hand-back", None, None


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--subscription", required=True)
    p.add_argument("--service", required=True)
    p.add_argument("--since", required=True, help="RFC 3339 time the request was published")
    p.add_argument("--timeout", type=float, default=3600)
    p.add_argument("--poll", type=float, default=5)
    p.add_argument("--stale", type=float, default=7200)
    a = p.parse_args(argv)
    since = parse_time(a.since)
    if since is None:
        p.error("--since must be an RFC 3339 time, was %r" % a.since)
    deadline = time.monotonic() + a.timeout
    print("waiting up to %ds for the deploy of %s (events since %s)" % (a.timeout, a.service, a.since), flush=True)
    while time.monotonic() < deadline:
        stale_before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=a.stale)
        acks, back, outcome = [], [], None
        for received in pull(a.subscription, 50):
            action, result, line = decide(received, a.service, since, stale_before)
            (acks if action == "ack" else back).append(received["ackId"])
            if line:
                print(line, flush=True)
            if result is not None and outcome is None:
                outcome = result
        ack(a.subscription, acks)
        hand_back(a.subscription, back)
        if outcome is not None:
            print("deploy of %s %s" % (a.service, "succeeded" if outcome == 0 else "failed"), flush=True)
            return outcome
        if not acks:
            time.sleep(a.poll)
    print("no outcome for the deploy of %s within %ds" % (a.service, a.timeout), flush=True)
    return 3


if __name__ == "__main__":
    sys.exit(main())
