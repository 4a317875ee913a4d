#!/usr/bin/env python3
"""Man pages and bash/zsh completions for berth and img, from one source.

The source is the option tables the binaries parse their command line with
(src/common/cliopt.h): `berth --help-dump` and `img --help-dump` print them
as tab-separated records, the very tables `--help` prints.  This script turns
such a dump into

  * PROG.1 and one PROG-CMD.1 per subcommand (--man-dir), with the prose of
    contrib/man/PAGE.md added where it exists (--prose-dir),
  * a bash completion file (--bash) and a zsh one (--zsh),
  * the list of the man pages written (--list), which `make install` and
    `make uninstall` use.

Prose files (contrib/man/berth-run.md, ...) hold hand-written sections only:

    # DESCRIPTION
    A paragraph.  `code` is set in bold, *word* in italics.

        an indented line is an example, kept as it is

    # EXAMPLES
    ...
    # SEE ALSO
    berth-start, berth-delete, img-unpack

Options and usage never come from them: a prose section named OPTIONS,
SYNOPSIS or NAME is an error.  Every page a SEE ALSO names must exist.
"""

import argparse
import os
import re
import signal
import sys

GENERATED_SECTIONS = {"NAME", "SYNOPSIS", "OPTIONS", "GLOBAL OPTIONS", "COMMANDS"}
# Argument names (cliopt.h) whose values are paths on the host.
DIR_ARGS = {"DIR", "BUNDLE", "ROOT"}
FILE_ARGS = {"FILE", "PATH"}


def die(msg):
    sys.stderr.write("gen-cli-docs: %s\n" % msg)
    sys.exit(1)


class Option:
    def __init__(self, name, short, arg, help_):
        self.name, self.short, self.arg, self.help = name, short, arg, help_

    def names(self):
        return ["--" + self.name] + (["-" + self.short] if self.short else [])


class Command:
    def __init__(self, name, usage, summary):
        # a usage may go on with a paragraph after its first line
        self.usage, _, self.notes = usage.partition("\n")
        self.name, self.summary = name, summary
        self.notes = " ".join(self.notes.split())
        self.options = []
        self.stop = False  # options end at the first positional argument


class Program:
    def __init__(self):
        self.name = self.usage = self.summary = self.version = None
        self.globals = []
        self.listing = []  # (name, summary) as `PROG --help` lists them
        self.commands = {}


def unescape(field):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), field)


def read_dump(path):
    prog = Program()
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            fields = [unescape(x) for x in line.rstrip("\n").split("\t")]
            kind = fields[0]
            want = {"program": 5, "option": 6, "subcommand": 3, "command": 5}.get(kind)
            if want is None or len(fields) != want:
                die("%s:%d: malformed record %r" % (path, n, line))
            if kind == "program":
                _, prog.name, prog.usage, prog.summary, prog.version = fields
            elif kind == "subcommand":
                prog.listing.append((fields[1], fields[2]))
            elif kind == "command":
                prog.commands[fields[1]] = Command(fields[1], fields[2], fields[3])
                prog.commands[fields[1]].stop = fields[4] == "stop"
            else:
                _, cmd, name, short, arg, help_ = fields
                opt = Option(name, "" if short == "-" else short, arg, help_)
                if cmd == "":
                    prog.globals.append(opt)
                elif cmd in prog.commands:
                    prog.commands[cmd].options.append(opt)
                else:
                    die("%s:%d: option of unknown command %r" % (path, n, cmd))
    if prog.name is None:
        die("%s: no program record (is it a --help-dump?)" % path)
    for name, _ in prog.listing:
        if name not in prog.commands:
            die("%s: command %r printed no option table" % (path, name))
    return prog


# ---------------------------------------------------------------- prose ----


def read_prose(path):
    """{SECTION: [lines]} of a prose file, {} when there is none."""
    if not os.path.exists(path):
        return {}
    sections, cur = {}, None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            m = re.match(r"^# +(.+?)\s*$", line)
            if m:
                cur = m.group(1).upper()
                if cur in GENERATED_SECTIONS:
                    die("%s:%d: section %s is generated from the option tables" % (path, n, cur))
                sections[cur] = []
            elif cur is None:
                if line.strip():
                    die("%s:%d: text before the first '# SECTION' line" % (path, n))
            else:
                sections[cur].append(line)
    return sections


def esc(text):
    """Escape text for roff: backslashes, and hyphens as minus signs (so
    option names can be searched for and copied)."""
    return text.replace("\\", "\\e").replace("-", "\\-")


def inline(text):
    text = esc(text)
    text = re.sub(r"`([^`]+)`", r"\\fB\1\\fR", text)
    text = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"\\fI\1\\fR", text)
    return text


def safe_line(line):
    return "\\&" + line if line[:1] in (".", "'") else line


def prose_roff(lines):
    out, para, example = [], [], []

    def flush():
        if para:
            out.append(".PP")
            out.extend(safe_line(inline(l.strip())) for l in para)
            para.clear()
        if example:
            while example and not example[-1].strip():
                example.pop()
            out.extend([".PP", ".RS 4", ".nf"])
            out.extend(safe_line(esc(l[4:])) for l in example)
            out.extend([".fi", ".RE"])
            example.clear()

    for line in lines:
        if line.startswith("    ") and not para:
            example.append(line)
        elif not line.strip():
            if example:
                example.append(line)
            else:
                flush()
        else:
            if example:
                flush()
            para.append(line)
    flush()
    return out


# ------------------------------------------------------------ man pages ----


def option_roff(opt):
    lhs = "\\fB\\-\\-%s\\fR" % esc(opt.name)
    if opt.arg:
        lhs += " \\fI%s\\fR" % esc(opt.arg)
    if opt.short:
        lhs += ", \\fB\\-%s\\fR" % esc(opt.short)
    return [".TP", lhs, safe_line(inline(opt.help))]


def see_also(page, names, pages, where):
    out = []
    for n in names:
        if n not in pages:
            die("%s: SEE ALSO names %r, which is not a page here" % (where, n))
    for i, n in enumerate(names):
        out.append(".BR %s (%s)%s" % (esc(n), pages[n], "," if i < len(names) - 1 else ""))
    return out


def split_list(lines):
    return [w for w in re.split(r"[\s,]+", " ".join(lines)) if w]


def man_header(title, prog):
    return [
        '.\\" generated by contrib/gen-cli-docs.py from `%s --help-dump`; do not edit' % prog.name,
        '.TH "%s" "1" "" "%s %s" "User Commands"' % (esc(title.upper()), prog.name, prog.version),
        ".nh",
        ".ad l",
    ]


def extra_sections(prose, skip):
    out = []
    for sec, lines in prose.items():
        if sec in skip:
            continue
        out.append('.SH "%s"' % sec)
        out.extend(prose_roff(lines))
    return out


def write_man(prog, prose_dir, out_dir, other_pages):
    """Write PROG.1 and PROG-CMD.1; return the file names written."""
    pages = dict(other_pages)
    pages[prog.name] = "1"
    for name, _ in prog.listing:
        if name != "help":
            pages["%s-%s" % (prog.name, name)] = "1"
    written = []

    # PROG.1
    prose = read_prose(os.path.join(prose_dir, prog.name + ".md"))
    out = man_header(prog.name, prog)
    out += [".SH NAME", "%s \\- %s" % (esc(prog.name), inline(prog.summary))]
    out += [".SH SYNOPSIS", "\\fB%s\\fR %s" % (esc(prog.name), esc(prog.usage))]
    out += [".SH DESCRIPTION"] + (prose_roff(prose["DESCRIPTION"])[1:] if "DESCRIPTION" in prose else [inline(prog.summary) + "."])
    out += [".SH COMMANDS"]
    for name, summary in prog.listing:
        out.append(".TP")
        if name == "help":
            out.append("\\fBhelp\\fR [\\fIcommand\\fR]")
        else:
            out.append("\\fB%s\\-%s\\fR(1)" % (esc(prog.name), esc(name)))
        out.append(safe_line(inline(summary)))
    out += [".SH GLOBAL OPTIONS", "These come before the command name."]
    for opt in prog.globals:
        out += option_roff(opt)
    out += extra_sections(prose, {"DESCRIPTION", "SEE ALSO"})
    refs = ["%s-%s" % (prog.name, n) for n, _ in prog.listing if n != "help"]
    refs += split_list(prose.get("SEE ALSO", []))
    out += [".SH SEE ALSO"] + see_also(prog.name, refs, pages, prog.name + ".md")
    written.append(emit(out_dir, prog.name + ".1", out))

    # PROG-CMD.1
    for name, _ in prog.listing:
        if name == "help":
            continue
        cmd = prog.commands[name]
        page = "%s-%s" % (prog.name, name)
        prose = read_prose(os.path.join(prose_dir, page + ".md"))
        out = man_header(page, prog)
        out += [".SH NAME", "%s \\- %s" % (esc(page), inline(cmd.summary))]
        out += [
            ".SH SYNOPSIS",
            "\\fB%s\\fR [\\fIglobal options\\fR] \\fB%s\\fR %s" % (esc(prog.name), esc(name), esc(cmd.usage)),
        ]
        out += [".SH DESCRIPTION"]
        out += prose_roff(prose["DESCRIPTION"])[1:] if "DESCRIPTION" in prose else [inline(cmd.summary) + "."]
        if cmd.notes:
            out += [".PP", safe_line(inline(cmd.notes))]
        out += [".SH OPTIONS"]
        for opt in cmd.options:
            out += option_roff(opt)
        out += [".PP", "The global options (\\fB%s\\fR(1)) come before \\fB%s\\fR." % (esc(prog.name), esc(name))]
        out += extra_sections(prose, {"DESCRIPTION", "SEE ALSO"})
        refs = [prog.name] + [r for r in split_list(prose.get("SEE ALSO", [])) if r != prog.name]
        out += [".SH SEE ALSO"] + see_also(page, refs, pages, page + ".md")
        written.append(emit(out_dir, page + ".1", out))
    return written


def emit(out_dir, name, lines):
    path = os.path.join(out_dir, name)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(path + ".tmp", path)
    return name


# ---------------------------------------------------------- completions ----


def value_kind(arg):
    """How an option's value completes: dir, file, enum:a b, or ''."""
    if arg in DIR_ARGS:
        return "dir"
    if arg in FILE_ARGS:
        return "file"
    if arg == "BOOL":
        return "enum:true false"
    if "|" in arg and re.fullmatch(r"[a-z0-9|-]+", arg):
        return "enum:" + " ".join(arg.split("|"))
    return ""


def positional_kinds(usage):
    """The kinds of the positional arguments a usage line names, and
    whether the last one repeats."""
    usage = usage.split("  |  ")[0]  # alternatives: the first form
    toks = re.findall(r"<[^>]*>|\[[^\]]*\]|\S+", usage)
    kinds, repeat, skip = [], False, False
    for t in toks:
        if skip:
            skip = False
            continue
        if t in ("[command options]", "[global options]"):
            continue
        if t.startswith("-"):
            skip = True
            continue
        repeat = t.endswith("...") or t.endswith("...]")
        base = t.strip("[]<>").rstrip(".")
        low = base.lower()
        if low == "container-id":
            kinds.append("ctr")
        elif low == "command" and t.startswith("["):
            kinds.append("subcmd")
        elif low == "signal":
            kinds.append("signal")
        elif low in ("image", "image[:tag]", "name", "source"):
            kinds.append("image")
        elif low in ("bundle", "dir"):
            kinds.append("dir")
        elif low in ("file", "file|dir"):
            kinds.append("file")
        else:
            kinds.append("none")
        if t.startswith("[") and ("options" in low or "args" in low):
            kinds[-1] = "none"
    return kinds, repeat


def signal_names():
    """KILL TERM ...: the names `berth kill` takes (with or without SIG)."""
    return sorted({s.name[3:] for s in signal.Signals if not s.name.startswith("SIGRT")})


def sh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


# The ids a kind lists, as a command run with the global options given.
LISTERS = {"berth": ("ctr", "list -q"), "img": ("image", "ls -q")}


def write_bash(prog, path):
    p = prog.name
    f = "_" + p.replace("-", "_")
    cmds = [n for n, _ in prog.listing]
    lines = [
        "# bash completion for %s -- generated by contrib/gen-cli-docs.py from" % p,
        "# `%s --help-dump` (the option tables %s parses its command line with):" % (p, p),
        "# do not edit.  -*- shell-script -*-",
        "",
        "# %s_spec CMD: sets opts (every option of CMD, '' for the global ones)," % f,
        "# argopts (those that take a value) and args (the kinds of the positional",
        "# arguments; args_repeat: the last one repeats; stop: options end at the",
        "# first argument, what follows belongs to the command the container runs).",
        "%s_spec()" % f,
        "{",
        '    case "$1" in',
    ]
    table = [("", prog.globals, [], False, False)]
    table += [
        (c, prog.commands[c].options) + positional_kinds(prog.commands[c].usage) + (prog.commands[c].stop,)
        for c in cmds
    ]
    for name, options, kinds, repeat, stop in table:
        opts = " ".join(n for o in options for n in o.names())
        argopts = " ".join(n for o in options if o.arg for n in o.names())
        lines.append(
            "    %s) opts=%s argopts=%s args=%s args_repeat=%s stop=%s ;;"
            % (
                sh_quote(name),
                sh_quote(opts),
                sh_quote(argopts),
                sh_quote(" ".join(kinds)),
                "1" if repeat else "",
                "1" if stop else "",
            )
        )
    lines += ["    *) opts= argopts= args= args_repeat= stop= ;;", "    esac", "}", ""]
    lines += [
        "# %s_value CMD OPTION: sets kind, how OPTION's value completes." % f,
        "%s_value()" % f,
        "{",
        '    case "$1 $2" in',
    ]
    for name, options in [("", prog.globals)] + [(c, prog.commands[c].options) for c in cmds]:
        for o in options:
            k = value_kind(o.arg) if o.arg else ""
            if k:
                pats = "|".join(sh_quote("%s %s" % (name, n)) for n in o.names())
                lines.append("    %s) kind=%s ;;" % (pats, sh_quote(k)))
    lines += ["    *) kind= ;;", "    esac", "}", ""]
    lkind, lcmd = LISTERS.get(p, ("", ""))
    lines += [
        "# %s_kind KIND: COMPREPLY for a value or argument of that kind." % f,
        "%s_kind()" % f,
        "{",
        '    case "$1" in',
        '    dir) { compopt -o filenames 2> /dev/null || :; }; mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;',
        '    file) { compopt -o filenames 2> /dev/null || :; }; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;',
        '    enum:*) mapfile -t COMPREPLY < <(compgen -W "${1#enum:}" -- "$cur") ;;',
        '    subcmd) mapfile -t COMPREPLY < <(compgen -W %s -- "$cur") ;;' % sh_quote(" ".join(cmds)),
        '    signal) mapfile -t COMPREPLY < <(compgen -W %s -- "$cur") ;;' % sh_quote(" ".join(signal_names())),
    ]
    if lkind:
        lines.append(
            '    %s) mapfile -t COMPREPLY < <(compgen -W "$("$prog" "${globals[@]}" %s 2> /dev/null)" -- "$cur") ;;'
            % (lkind, lcmd)
        )
    lines += ["    *) COMPREPLY=() ;;", "    esac", "}", ""]
    lines += [
        "%s()" % f,
        "{",
        '    local cur=${COMP_WORDS[COMP_CWORD]} prog=${COMP_WORDS[0]}',
        "    local cmd= have_cmd= dashdash= npos=0 i=1 w w2 v opts argopts args args_repeat stop kind",
        "    local -a globals=() kinds",
        "    COMPREPLY=()",
        "    # --opt=VALUE: COMP_WORDBREAKS makes '--opt' '=' 'VALUE' of it",
        '    if [[ $cur == = ]] && ((COMP_CWORD > 1)); then',
        "        cur= w=${COMP_WORDS[COMP_CWORD - 1]} v=$COMP_CWORD",
        '    elif ((COMP_CWORD > 2)) && [[ ${COMP_WORDS[COMP_CWORD - 1]} == = ]]; then',
        "        w=${COMP_WORDS[COMP_CWORD - 2]} v=$COMP_CWORD",
        "    else",
        "        w= v=",
        "    fi",
        "    while ((i < COMP_CWORD)); do",
        '        %s_spec "$cmd"' % f,
        "        w2=${COMP_WORDS[i]}",
        '        if [[ -z $dashdash && $w2 == -- && -n $have_cmd ]]; then',
        "            dashdash=1",
        '        elif [[ -z $dashdash && $w2 == -?* ]]; then',
        '            [[ -n $have_cmd ]] || globals+=("$w2")',
        '            if [[ $w2 != *=* && " $argopts " == *" $w2 "* ]]; then',
        "                i=$((i + 1))",
        '                [[ ${COMP_WORDS[i]} != = ]] || i=$((i + 1))',
        "                if ((i >= COMP_CWORD)); then",
        '                    %s_value "$cmd" "$w2"' % f,
        '                    %s_kind "$kind"' % f,
        "                    return 0",
        "                fi",
        '                [[ -n $have_cmd ]] || globals+=("${COMP_WORDS[i]}")',
        "            fi",
        '        elif [[ -z $have_cmd ]]; then',
        "            cmd=$w2 have_cmd=1",
        "        else",
        "            npos=$((npos + 1))",
        '            [[ -z $stop ]] || dashdash=1',
        "        fi",
        "        i=$((i + 1))",
        "    done",
        '    %s_spec "$cmd"' % f,
        '    if [[ -n $v ]]; then',
        '        [[ $w == --*=* ]] || { %s_value "$cmd" "$w"; %s_kind "$kind"; }' % (f, f),
        "        return 0",
        "    fi",
        '    if [[ -z $dashdash && $cur == -* ]]; then',
        '        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")',
        "        return 0",
        "    fi",
        '    if [[ -z $have_cmd ]]; then',
        '        %s_kind subcmd' % f,
        "        return 0",
        "    fi",
        "    read -ra kinds <<< \"$args\"",
        "    if ((npos < ${#kinds[@]})); then",
        '        %s_kind "${kinds[npos]}"' % f,
        "    elif [[ -n $args_repeat ]] && ((${#kinds[@]})); then",
        '        %s_kind "${kinds[-1]}"' % f,
        "    fi",
        "    return 0",
        "}",
        "complete -F %s %s" % (f, p),
    ]
    with open(path + ".tmp", "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    os.replace(path + ".tmp", path)


def zq(s):
    """A zsh single-quoted word."""
    return "'" + s.replace("'", "'\\''") + "'"


def zdesc(s):
    return s.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def zmsg(s):
    return s.replace(":", "\\:").replace("[", "\\[").replace("]", "\\]") or "value"


def zaction(kind, p):
    if kind == "dir":
        return "_files -/"
    if kind == "file":
        return "_files"
    if kind.startswith("enum:"):
        return "(%s)" % kind[5:]
    if kind == "subcmd":
        return "_%s_commands" % p
    if kind == "signal":
        return "_signals"
    if kind in ("ctr", "image") and LISTERS.get(p, ("",))[0] == kind:
        return "_%s_ids" % p
    return " "


def zspecs(options, p):
    specs = []
    for o in options:
        excl = "(%s)" % " ".join(o.names()) if o.short else ""
        k = value_kind(o.arg) if o.arg else ""
        tail = ":%s:%s" % (zmsg(o.arg), zaction(k, p)) if o.arg else ""
        specs.append(zq("%s--%s%s[%s]%s" % (excl, o.name, "=" if o.arg else "", zdesc(o.help), tail)))
        if o.short:
            specs.append(zq("%s-%s%s[%s]%s" % (excl, o.short, "+" if o.arg else "", zdesc(o.help), tail)))
    return specs


def write_zsh(prog, path):
    p = prog.name
    f = "_" + p.replace("-", "_")
    lkind, lcmd = LISTERS.get(p, ("", ""))
    gargs = " ".join(n for o in prog.globals if o.arg for n in o.names())
    lines = [
        "#compdef %s" % p,
        "# zsh completion for %s -- generated by contrib/gen-cli-docs.py from" % p,
        "# `%s --help-dump` (the option tables %s parses its command line with):" % (p, p),
        "# do not edit.",
        "",
        "%s_commands()" % f,
        "{",
        "  local -a cmds",
        "  cmds=(",
    ]
    for name, summary in prog.listing:
        lines.append("    %s" % zq("%s:%s" % (name, summary)))
    lines += ["  )", "  _describe -t commands '%s command' cmds" % p, "}", ""]
    if lkind:
        lines += [
            "# the ids `%s %s` lists, with the global options given before the command" % (p, lcmd),
            "%s_ids()" % f,
            "{",
            "  local -a ids",
            '  ids=(${(f)"$(_call_program ids ${(q)words_0:-%s} ${(q)%s_globals[@]} %s 2> /dev/null)"})' % (p, f, lcmd),
            "  _wanted ids expl %s compadd -a ids" % zq("container" if lkind == "ctr" else "image"),
            "}",
            "",
        ]
    lines += [
        "%s()" % f,
        "{",
        "  local curcontext=$curcontext state line ret=1 o words_0=$words[1]",
        "  local -a %s_globals" % f,
        "  typeset -A opt_args",
        "  _arguments -C \\",
    ]
    for s in zspecs(prog.globals, p):
        lines.append("    %s \\" % s)
    lines += [
        "    '1:command:%s_commands' \\" % f,
        "    '*::argument:->argument' && ret=0",
        "  for o in %s; do" % gargs,
        "    (( ${+opt_args[$o]} )) && %s_globals+=($o ${opt_args[$o]})" % f,
        "  done",
        "  case $state in",
        "  argument)",
        "    curcontext=${curcontext%%:*:*}:%s-$words[1]:" % p,
        "    case $words[1] in",
    ]
    for name, _ in prog.listing:
        cmd = prog.commands[name]
        kinds, repeat = positional_kinds(cmd.usage)
        specs = zspecs(cmd.options, p)
        for i, k in enumerate(kinds):
            if repeat and i == len(kinds) - 1:
                specs.append(zq("*:%s:%s" % (k, zaction(k, p))))
            else:
                specs.append(zq("%d:%s:%s" % (i + 1, k, zaction(k, p))))
        lines.append("    %s)" % zq(name))
        lines.append("      _arguments%s \\" % (" -A '-*'" if cmd.stop else ""))
        for s in specs:
            lines.append("        %s \\" % s)
        lines.append("        && ret=0 ;;")
    lines += ["    esac ;;", "  esac", "  return ret", "}", "", '%s "$@"' % f]
    with open(path + ".tmp", "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dump", required=True, help="output of PROG --help-dump")
    ap.add_argument("--prose-dir", default="", help="directory of PAGE.md prose files")
    ap.add_argument("--see-also", default="", help="other pages SEE ALSO may name (comma-separated)")
    ap.add_argument("--also-dump", action="append", default=[], help="another program's dump: its pages may be named")
    ap.add_argument("--man-dir")
    ap.add_argument("--list", help="write the names of the man pages written here")
    ap.add_argument("--bash")
    ap.add_argument("--zsh")
    a = ap.parse_args()
    prog = read_dump(a.dump)
    if a.man_dir:
        os.makedirs(a.man_dir, exist_ok=True)
        others = {}
        for ref in filter(None, a.see_also.split(",")):
            m = re.fullmatch(r"(.+)\((\w+)\)", ref)
            others[m.group(1) if m else ref] = m.group(2) if m else "1"
        for d in a.also_dump:
            other = read_dump(d)
            others[other.name] = "1"
            for n, _ in other.listing:
                if n != "help":
                    others["%s-%s" % (other.name, n)] = "1"
        names = write_man(prog, a.prose_dir, a.man_dir, others)
        if a.list:
            with open(a.list + ".tmp", "w") as f:
                f.write("\n".join(names) + "\n")
            os.replace(a.list + ".tmp", a.list)
    if a.bash:
        write_bash(prog, a.bash)
    if a.zsh:
        write_zsh(prog, a.zsh)


if __name__ == "__main__":
    main()
