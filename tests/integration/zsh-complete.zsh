#!/usr/bin/env zsh
# zsh-complete.zsh DIR OUT LINE...: for each LINE, the completions an
# interactive zsh offers with the cursor at its end (TAB), using the
# completion functions of DIR (first in fpath), written one per line to
# OUT.N (N = 1, 2, ...).  The zsh runs in a pseudo-terminal (zpty); a
# compadd wrapper records every match completion functions add.
emulate -L zsh
zmodload zsh/zpty || exit 2
dir=$1 out=$2
shift 2
zpty z zsh -f -i || exit 2
zpty -w z "PS1= PROMPT= RPROMPT=; unsetopt beep; fpath=(${(q)dir} \$fpath)"
zpty -w z "autoload -Uz compinit && compinit -u -D; zstyle ':completion:*' list-prompt ''"
# (a call that only filters, with -O, -A or -D, adds nothing: left alone)
zpty -w z 'compadd() { local -a __m; if (( ${${@[1,(i)(-|--)]}[(I)-[OAD]*]} )); then builtin compadd "$@"; return; fi; builtin compadd -O __m "$@"; (( $#__m )) && print -rl -- $__m >> $__out; builtin compadd "$@"; }'
integer n=0 i
# wait_for FILE: until the shell has written it (each step waits: keys
# typed ahead of a zle that is not reading yet can be lost)
wait_for() {
  for (( i = 0; i < 300; i++ )); do
    [[ -e $1 ]] && return 0
    sleep 0.05
  done
  print -u2 "zsh-complete: no answer for '$2'"
  zpty -d z
  exit 1
}
# TAB: complete, then say so (keys typed while a completion runs can make
# it stop early, so the next key waits for this marker)
zpty -w z '__tab() { zle complete-word; print done > $__out.done; }; zle -N __tab; bindkey "^I" __tab'
for line in "$@"; do
  n+=1
  zpty -w z "__out=${(q)out}.$n; : > \$__out; print ready > ${(q)out}.$n.ready"
  wait_for $out.$n.ready "setup"
  zpty -w -n z "$line"$'\t'
  wait_for $out.$n.done "$line"
  # ^U: clear what the completion inserted
  zpty -w -n z $'\x15'
done
zpty -w z 'exit'
zpty -d z
