#!/bin/sh
# sync-src.sh NEW DIR: make DIR hold what NEW holds (make distdir's copy of
# the source), then remove NEW.  Only files whose content differs are
# written, and they get the current time: distdir keeps the source's
# mtimes, and a file changed in the checkout before the sanitized build's
# objects were made, but copied after, would otherwise look older than its
# object and never be rebuilt (a stale berth ran the tests once).
set -eu
new=$1 dir=$2
mkdir -p "$dir"
(cd "$new" && find . -type d) | while IFS= read -r d; do mkdir -p "$dir/$d"; done
(cd "$new" && find . ! -type d) | while IFS= read -r f; do
  if [ -L "$new/$f" ] || [ -L "$dir/$f" ]; then
    [ "$(readlink "$new/$f")" = "$(readlink "$dir/$f" 2> /dev/null)" ] || { rm -f "$dir/$f"; cp -P "$new/$f" "$dir/$f"; }
  elif ! cmp -s "$new/$f" "$dir/$f"; then
    rm -f "$dir/$f"
    cp "$new/$f" "$dir/$f"
  fi
done
# what the source no longer has
(cd "$dir" && find . ! -type d) | while IFS= read -r f; do
  [ -e "$new/$f" ] || [ -L "$new/$f" ] || rm -f "$dir/$f"
done
rm -rf "$new"
