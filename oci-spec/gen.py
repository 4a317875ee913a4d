#!/usr/bin/env python3
"""gen.py - turn an oci-spec *.types description into C (stdlib only).

    gen.py --out DIR FILE.types    writes DIR/FILE.h and DIR/FILE.c

The C is only data and thin wrappers: a struct per described type and a
`struct oci_type` table (JSON key, kind, offsets) that the hand-written engine
in oci-json.c / oci-json-gen.c walks to parse, generate and free.

The format (see README.md, "Type descriptions"):

    # comment
    NAME:                      a JSON object; C type oci_NAME
      jsonKey   TYPE           one field per line, indented
      jsonKey   TYPE  as cname override the derived C member name

    TYPE is one of
      string bool int8 int16 int32 int64 uint8 uint16 uint32 uint64
      any          any JSON value, kept as a yajl_val
      NAME         another described object
      []TYPE       an array of TYPE
      {string}     an object of string values (oci_string_map)
      {NAME}       an object of NAME values (oci_NAME_map)

Field members are the JSON keys in snake_case (ociVersion -> oci_version,
hostID -> host_id, throttleReadIOPSDevice -> throttle_read_iops_device).
"""

import argparse
import os
import re
import sys

INTS = {
    "int8": ("OCI_KIND_INT", 1, "int8_t"),
    "int16": ("OCI_KIND_INT", 2, "int16_t"),
    "int32": ("OCI_KIND_INT", 4, "int32_t"),
    "int64": ("OCI_KIND_INT", 8, "int64_t"),
    "uint8": ("OCI_KIND_UINT", 1, "uint8_t"),
    "uint16": ("OCI_KIND_UINT", 2, "uint16_t"),
    "uint32": ("OCI_KIND_UINT", 4, "uint32_t"),
    "uint64": ("OCI_KIND_UINT", 8, "uint64_t"),
}

C_KEYWORDS = set(
    """auto break case char const continue default do double else enum extern
    float for goto if inline int long register restrict return short signed
    sizeof static struct switch typedef union unsigned void volatile while bool
    extra""".split()
)

IDENT = re.compile(r"^[a-z][a-z0-9_]*$")


class DescError(Exception):
    pass


def snake(key):
    """ociVersion -> oci_version, hostID -> host_id, DNSSearchList -> dns_search_list."""
    out = []
    for i, ch in enumerate(key):
        if ch.isupper():
            prev = key[i - 1] if i else ""
            nxt = key[i + 1] if i + 1 < len(key) else ""
            if i and (prev.islower() or prev.isdigit() or (prev.isupper() and nxt.islower())):
                out.append("_")
            out.append(ch.lower())
        elif ch.isalnum():
            out.append(ch)
        else:
            out.append("_")
    name = "".join(out)
    if name and name[0].isdigit():
        name = "_" + name
    return name


class Field:
    def __init__(self, key, spec, cname, where):
        self.key = key
        self.where = where
        self.array = spec.startswith("[]")
        base = spec[2:] if self.array else spec
        self.map = base.startswith("{") and base.endswith("}")
        self.base = base[1:-1] if self.map else base
        self.cname = cname or snake(key)
        if not IDENT.match(self.cname) or self.cname in C_KEYWORDS:
            raise DescError("%s: C name %r for %r is not usable; add 'as NAME'" % (where, self.cname, key))
        if self.map and self.base in INTS or self.map and self.base in ("bool", "any"):
            raise DescError("%s: maps of %s are not supported" % (where, self.base))
        if self.base.startswith("[]") or self.base.startswith("{"):
            raise DescError("%s: nested containers (%s) are not supported" % (where, spec))


class Type:
    def __init__(self, name, where):
        if not IDENT.match(name):
            raise DescError("%s: bad type name %r" % (where, name))
        self.name = name
        self.cname = "oci_" + name
        self.fields = []


def parse_types(path):
    types, cur = [], None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            where = "%s:%d" % (os.path.basename(path), n)
            text = line.split("#", 1)[0].rstrip()
            if not text.strip():
                continue
            if not text[0].isspace():
                if not text.endswith(":"):
                    raise DescError("%s: expected 'NAME:' to start a type" % where)
                cur = Type(text[:-1].strip(), where)
                types.append(cur)
                continue
            if cur is None:
                raise DescError("%s: field outside of a type" % where)
            words = text.split()
            cname = None
            if len(words) == 4 and words[2] == "as":
                cname = words[3]
            elif len(words) != 2:
                raise DescError("%s: expected 'jsonKey TYPE [as cname]'" % where)
            cur.fields.append(Field(words[0], words[1], cname, where))
    check(types)
    return types


def check(types):
    names = {t.name for t in types}
    if len(names) != len(types):
        raise DescError("a type is described twice")
    for t in types:
        seen = set()
        for f in t.fields:
            if f.map and f.base == "string":
                pass
            elif f.base not in INTS and f.base not in ("string", "bool", "any") and f.base not in names:
                raise DescError("%s: unknown type %r" % (f.where, f.base))
            members = {f.cname, f.cname + "_len", f.cname + "_present"}
            if f.key in {g.key for g in t.fields if g is not f}:
                raise DescError("%s: key %r given twice" % (f.where, f.key))
            if members & seen:
                raise DescError("%s: C member %r clashes with another field" % (f.where, f.cname))
            seen |= members


def member_decls(f):
    """The struct members of one field."""
    if f.map:
        elem = "oci_string_map *" if f.base == "string" else "oci_%s_map *" % f.base
    elif f.base in INTS:
        elem = INTS[f.base][2] + " "
    elif f.base == "string":
        elem = "char *"
    elif f.base == "bool":
        elem = "bool "
    elif f.base == "any":
        elem = "yajl_val "
    else:
        elem = "oci_%s *" % f.base
    if f.array:
        return ["%s*%s;" % (elem, f.cname), "size_t %s_len;" % f.cname]
    decls = ["%s%s;" % (elem, f.cname)]
    if f.base in INTS or f.base == "bool":
        decls.append("bool %s_present;" % f.cname)
    return decls


def kind_of(f):
    if f.map:
        return ("OCI_KIND_STRING_MAP", 0, None) if f.base == "string" else ("OCI_KIND_OBJECT_MAP", 0, f.base)
    if f.base in INTS:
        k, size, _ = INTS[f.base]
        return (k, size, None)
    if f.base == "string":
        return ("OCI_KIND_STRING", 0, None)
    if f.base == "bool":
        return ("OCI_KIND_BOOL", 0, None)
    if f.base == "any":
        return ("OCI_KIND_ANY", 0, None)
    return ("OCI_KIND_OBJECT", 0, f.base)


def header(types, stem, src):
    guard = "OCI_GEN_%s_H" % re.sub(r"[^A-Za-z0-9]", "_", stem).upper()
    o = []
    o.append("/* Generated by oci-spec/gen.py from %s; do not edit. */" % src)
    o += ["#ifndef %s" % guard, "#define %s" % guard, ""]
    o += ["#include <stdbool.h>", "#include <stddef.h>", "#include <stdint.h>", "", '#include "oci-json.h"', ""]
    for t in types:
        o.append("typedef struct %s %s;" % (t.cname, t.cname))
    o.append("")
    mapped = sorted({f.base for t in types for f in t.fields if f.map and f.base != "string"})
    for m in mapped:
        o.append("/* A JSON object of oci_%s values, in document order. */" % m)
        o.append("typedef struct oci_%s_map" % m)
        o += ["{", "  char **keys;", "  oci_%s **values;" % m, "  size_t len;", "} oci_%s_map;" % m, ""]
    for t in types:
        o += ["struct %s" % t.cname, "{"]
        for f in t.fields:
            for d in member_decls(f):
                o.append("  %s" % d)
        o.append("  oci_extra *extra; /* keys not described here, written back by generate */")
        o += ["};", ""]
    for t in types:
        n = t.cname
        o.append("extern const struct oci_type %s_type;" % n)
        o.append("%s *%s_parse_file (const char *path, berr_t **err);" % (n, n))
        o.append("%s *%s_parse_data (const char *data, size_t len, const char *origin, berr_t **err);" % (n, n))
        o.append("int %s_generate (const %s *v, char **json, size_t *len, berr_t **err);" % (n, n))
        o.append("int %s_generate_pretty (const %s *v, char **json, size_t *len, berr_t **err);" % (n, n))
        o.append(
            "int %s_generate_flags (const %s *v, unsigned flags, char **json, size_t *len, berr_t **err);" % (n, n)
        )
        o.append("void %s_free (%s *v);" % (n, n))
        o.append("void %s_freep (%s **v);" % (n, n))
        o.append("#define cleanup_%s __attribute__ ((cleanup (%s_freep)))" % (n, n))
        o.append("")
    o.append("#endif")
    return "\n".join(o) + "\n"


WRAPPERS = """
%(n)s *
%(n)s_parse_file (const char *path, berr_t **err)
{
  return oci_json_parse_file (&%(n)s_type, path, err);
}

%(n)s *
%(n)s_parse_data (const char *data, size_t len, const char *origin, berr_t **err)
{
  return oci_json_parse_data (&%(n)s_type, data, len, origin, err);
}

int
%(n)s_generate_flags (const %(n)s *v, unsigned flags, char **json, size_t *len, berr_t **err)
{
  return oci_json_generate (&%(n)s_type, v, flags, json, len, err);
}

int
%(n)s_generate (const %(n)s *v, char **json, size_t *len, berr_t **err)
{
  return oci_json_generate (&%(n)s_type, v, 0, json, len, err);
}

int
%(n)s_generate_pretty (const %(n)s *v, char **json, size_t *len, berr_t **err)
{
  return oci_json_generate (&%(n)s_type, v, OCI_GEN_PRETTY, json, len, err);
}

void
%(n)s_free (%(n)s *v)
{
  oci_json_free (&%(n)s_type, v);
}

void
%(n)s_freep (%(n)s **v)
{
  oci_json_free (&%(n)s_type, *v);
  *v = NULL;
}
"""


def source(types, stem, src):
    o = ["/* Generated by oci-spec/gen.py from %s; do not edit. */" % src]
    o += ["#include <config.h>", "", "#include <stddef.h>", "", '#include "gen/%s.h"' % stem, ""]
    for t in types:
        n = t.cname
        if t.fields:
            o.append("static const struct oci_field %s_fields[] = {" % n)
            for f in t.fields:
                kind, size, ref = kind_of(f)
                aux = "0"
                if f.array:
                    aux = "offsetof (%s, %s_len)" % (n, f.cname)
                elif kind in ("OCI_KIND_BOOL", "OCI_KIND_INT", "OCI_KIND_UINT"):
                    aux = "offsetof (%s, %s_present)" % (n, f.cname)
                o.append(
                    '  { "%s", %s, %s, %d, offsetof (%s, %s), %s, %s },'
                    % (f.key, kind, "true" if f.array else "false", size, n, f.cname, aux,
                       "&oci_%s_type" % ref if ref else "NULL")
                )
            o.append("};")
        o.append("const struct oci_type %s_type = {" % n)
        o.append(
            '  "%s", sizeof (%s), offsetof (%s, extra), %s, %d,'
            % (n, n, n, "%s_fields" % n if t.fields else "NULL", len(t.fields))
        )
        o.append("};")
        o.append(WRAPPERS % {"n": n})
    return "\n".join(o)


def write_file(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description="generate C types from an oci-spec .types description")
    ap.add_argument("--out", required=True, help="output directory (gets STEM.h and STEM.c)")
    ap.add_argument("types", help="the .types file")
    a = ap.parse_args()
    stem = os.path.splitext(os.path.basename(a.types))[0]
    try:
        types = parse_types(a.types)
    except (DescError, OSError) as e:
        print("gen.py: %s" % e, file=sys.stderr)
        return 1
    os.makedirs(a.out, exist_ok=True)
    src = os.path.basename(a.types)
    write_file(os.path.join(a.out, stem + ".h"), header(types, stem, src))
    write_file(os.path.join(a.out, stem + ".c"), source(types, stem, src))
    return 0


if __name__ == "__main__":
    sys.exit(main())
