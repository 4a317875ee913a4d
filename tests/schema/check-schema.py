#!/usr/bin/env python3
"""check-schema.py - validate OCI runtime-spec JSON documents against the
runtime-spec JSON schema shipped by Debian (golang-github-opencontainers-
specs-dev), so tests can assert that what berth writes (`berth spec`,
`berth state`) is what other tools accept.

    check-schema.py [--schema config|state] [--schema-dir DIR] FILE...

Exit status: 0 all valid, 1 some document invalid (each problem printed as
"FILE: .json.path: message"), 77 schema or jsonschema not available (the
automake "skip" status, so a bats test can skip with the reason).
"""

import argparse
import json
import os
import sys

DEFAULT_DIR = "/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema"
SCHEMAS = {"config": "config-schema.json", "state": "state-schema.json"}


def json_path(path):
    out = ""
    for p in path:
        out += "[%d]" % p if isinstance(p, int) else ".%s" % p
    return out or "."


def overlay(name, doc):
    """Debian ships the schema of runtime-spec 1.0.2-dev (with some later
    additions); add what runtime-spec 1.2 defines and it lacks, so valid 1.2
    configs pass.  Only closed enums matter: the schema allows unknown keys."""
    if name == "defs-linux.json":
        ns = doc["definitions"]["NamespaceType"]["enum"]
        if "time" not in ns:
            ns.append("time")  # runtime-spec 1.2: time namespace
    return doc


def load_registry(schema_dir):
    """All *.json of the schema dir, addressable by file name, as the
    relative $refs ("defs.json#/definitions/...") expect."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    resources = []
    for name in sorted(os.listdir(schema_dir)):
        if name.endswith(".json"):
            with open(os.path.join(schema_dir, name), encoding="utf-8") as f:
                doc = overlay(name, json.load(f))
            resources.append((name, Resource.from_contents(doc, default_specification=DRAFT4)))
    return Registry().with_resources(resources)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--schema", choices=sorted(SCHEMAS), default="config")
    ap.add_argument("--schema-dir", default=os.environ.get("OCI_SCHEMA_DIR", DEFAULT_DIR))
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    try:
        import jsonschema
    except ImportError:
        print("check-schema: python3-jsonschema is not installed", file=sys.stderr)
        return 77
    main_schema = os.path.join(a.schema_dir, SCHEMAS[a.schema])
    if not os.path.exists(main_schema):
        print("check-schema: %s not found (install golang-github-opencontainers-specs-dev)" % main_schema,
              file=sys.stderr)
        return 77
    with open(main_schema, encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.Draft4Validator(schema, registry=load_registry(a.schema_dir))
    bad = 0
    for path in a.files:
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print("%s: %s" % (path, e), file=sys.stderr)
            bad += 1
            continue
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        for e in errors:
            print("%s: %s: %s" % (path, json_path(e.absolute_path), e.message), file=sys.stderr)
        bad += bool(errors)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
