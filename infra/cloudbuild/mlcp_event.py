#!/usr/bin/env python3
"""The data of the CloudEvents Cloud Build publishes, built from the build's environment.

    mlcp_event.py training-requested   -> dev.mlcp.training.requested.v1 (dev.mlcp.events.TrainingRequested)
    mlcp_event.py deploy-requested     -> dev.mlcp.deploy.requested.v1   (dev.mlcp.events.DeployRequested)

Prints the JSON data on stdout; the build step publishes it with the ce-* attributes. Values come
from environment variables (the step's env, filled from substitutions), never from the command
line, so no value is parsed by a shell. Exits 2 naming the variable that is missing or malformed.
"""
import json
import os
import re
import sys

GCE_NAME = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")


def fail(message):
    sys.stderr.write("mlcp_event: " + message + "\n")
    sys.exit(2)


def env(name, required=True):
    value = os.environ.get(name, "").strip()
    if required and not value:
        fail(name + " is required")
    return value or None


def json_list(name):
    raw = env(name, required=False) or "[]"
    try:
        value = json.loads(raw)
    except ValueError as e:
        fail("%s must be a JSON array of strings: %s" % (name, e))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fail(name + " must be a JSON array of strings, e.g. [\"--epochs\", \"10\"]")
    return value


def gce_name(name):
    value = env(name)
    if not GCE_NAME.match(value):
        fail("%s must be a GCE name (lower-case letters, digits, '-'), was %r" % (name, value))
    return value


def training_requested():
    spec = {"name": gce_name("MLCP_NAME"), "image": env("MLCP_IMAGE"), "args": json_list("MLCP_ARGS")}
    if env("MLCP_MACHINE_TYPE", required=False):
        spec["machineType"] = env("MLCP_MACHINE_TYPE")
    inputs = json_list("MLCP_INPUTS")
    if inputs:
        spec["inputs"] = inputs
    return {"requestKey": env("MLCP_REQUEST_KEY"), "owner": env("MLCP_OWNER"), "spec": spec}


def deploy_requested():
    version = env("MLCP_VERSION", required=False)
    alias = env("MLCP_ALIAS", required=False)
    if not version and not alias:
        fail("MLCP_VERSION or MLCP_ALIAS is required")
    target = env("MLCP_TARGET")
    if target not in ("gce", "cloud-run"):
        fail("MLCP_TARGET must be gce or cloud-run, was %r" % target)
    try:
        canary = int(env("MLCP_CANARY_PERCENT"))
    except ValueError:
        fail("MLCP_CANARY_PERCENT must be an integer")
    if not 0 <= canary <= 100:
        fail("MLCP_CANARY_PERCENT must be between 0 and 100, was %d" % canary)
    data = {
        "requestKey": env("MLCP_REQUEST_KEY"),
        "service": gce_name("MLCP_SERVICE"),
        "model": env("MLCP_MODEL"),
        "version": version,
        "alias": None if version else alias,
        "target": target,
        "image": env("MLCP_IMAGE", required=False),
        "canaryPercent": canary,
        "requestedBy": env("MLCP_REQUESTED_BY"),
    }
    return {k: v for k, v in data.items() if v is not None}


def main(argv):
    kinds = {"training-requested": training_requested, "deploy-requested": deploy_requested}
    if len(argv) != 2 or argv[1] not in kinds:
        fail("usage: mlcp_event.py " + "|".join(sorted(kinds)))
    sys.stdout.write(json.dumps(kinds[argv[1]](), separators=(",", ":")))


if __name__ == "__main__":
    main(sys.argv)
