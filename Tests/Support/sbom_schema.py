#!/usr/bin/env python3
"""Validates SPDX 2.3 and CycloneDX 1.6 JSON documents against the official JSON schemas
vendored in Tests/Fixtures/schemas (see its README for their origin), with python
`jsonschema` (Draft 7, format checks on). Offline: the CycloneDX schema's references to
spdx.schema.json and jsf-0.82.schema.json are served from the same folder by their $id.

Usage: sbom_schema.py FILE|DIR...   (a DIR: every *.json in it, recursively)
A document is SPDX when it has "spdxVersion", CycloneDX when "bomFormat" is "CycloneDX";
anything else is an error. Exit 0 only when every document is valid (and there is one).
"""
import json
import os
import sys

import jsonschema
from referencing import Registry, Resource

SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "schemas")


def load(relative):
    with open(os.path.join(SCHEMAS, relative), encoding="utf-8") as handle:
        return json.load(handle)


def validators():
    spdx = load("spdx-2.3/spdx-schema.json")
    bom = load("cyclonedx-1.6/bom-1.6.schema.json")
    resources = []
    for name in ("bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"):
        schema = load(os.path.join("cyclonedx-1.6", name))
        resource = Resource.from_contents(schema)
        resources.append((schema.get("$id", name), resource))
        resources.append(("http://cyclonedx.org/schema/" + name, resource))
    registry = Registry().with_resources(resources)
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    return {
        "SPDX-2.3": jsonschema.Draft7Validator(spdx, format_checker=checker),
        "CycloneDX-1.6": jsonschema.Draft7Validator(bom, registry=registry, format_checker=checker),
    }


def kind(document):
    if isinstance(document, dict) and "spdxVersion" in document:
        return "SPDX-2.3" if document["spdxVersion"] == "SPDX-2.3" else None
    if isinstance(document, dict) and document.get("bomFormat") == "CycloneDX":
        return "CycloneDX-1.6" if document.get("specVersion") == "1.6" else None
    return None


def files(arguments):
    for argument in arguments:
        if os.path.isdir(argument):
            for root, _, names in os.walk(argument):
                for name in sorted(names):
                    if name.endswith(".json"):
                        yield os.path.join(root, name)
        else:
            yield argument


def main(arguments):
    if not arguments or arguments[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if arguments else 2
    checks = validators()
    count, failures = 0, 0
    for path in files(arguments):
        count += 1
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
        which = kind(document)
        if which is None:
            print(f"{path}: neither an SPDX 2.3 nor a CycloneDX 1.6 document")
            failures += 1
            continue
        errors = sorted(checks[which].iter_errors(document), key=lambda e: list(e.absolute_path))
        for error in errors[:20]:
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            print(f"{path}: {which}: at {where}: {error.message}")
        if errors:
            failures += 1
    if count == 0:
        print("no documents to validate")
        return 1
    print(f"{count - failures} of {count} documents valid against the official SPDX 2.3 / CycloneDX 1.6 JSON schemas")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
