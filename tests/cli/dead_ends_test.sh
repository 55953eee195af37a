#!/usr/bin/env bash
# No dead ends: a word imago does not know is named, with the nearest ones it
# knows; `imago help [COMMAND...]` and `imago version` exist. Each refusal is
# one line and exit code 2 (usage).
source "$(dirname "$0")/lib.sh"

usage() {  # usage WHAT NEEDLE ARGS...: exit 2, one line containing NEEDLE.
  local what=$1 needle=$2
  shift 2
  expect_rc 2 imago "$@"
  expect_contains "$what" "$ERR" "$needle"
  [[ $(wc -l <<<"$ERR") == 1 ]] || fail "$what: not one line: $ERR"
}
usage "a typo in a command" "'lst' is not a command of 'imago images'; did you mean list?" images lst
usage "a typo in a group" "'imagse' is not a command of 'imago'; did you mean images?" imagse list
usage "a typo in a flag" "unknown flag --formt for 'imago images list'; did you mean --format?" images list --formt json
usage "a group without its command" "'imago images' needs a command: create, describe" images
usage "an unknown command, far from any" "'zzz' is not a command of 'imago instances'; its commands: create, list" instances zzz v1
expect_eq "help of a command" "$(imago help images create | head -1)" "Create an image from a file or another image"
expect_contains "help of imago" "$(imago help)" "update-check"
expect_rc 2 imago help imags
expect_contains "help of a typo" "$ERR" "'imags' is not a command of 'imago'; did you mean images?"
expect_eq "version" "$(imago version)" "$(imago --version)"
# --verbosity, as gcloud's: from error on, warnings are not printed.
make_qcow2 seed.qcow2 8M
imago images create old --source-file seed.qcow2 >/dev/null 2>&1
imago images deprecate old --state DEPRECATED >/dev/null 2>&1
expect_rc 0 imago images create new1 --source-image old
expect_contains "a warning by default" "$ERR" "WARNING: The resource 'projects/local/global/images/old' is deprecated"
expect_rc 0 imago --verbosity error images create new2 --source-image old
[[ $ERR != *WARNING* ]] || fail "--verbosity error printed a warning: $ERR"
usage "a level gcloud does not have" "--verbosity" --verbosity loud images list

# Shell completion, generated from the command tree, checked by bash itself.
complete_words() {  # complete_words WORDS...: what bash completes the last word to.
  bash -c 'source <("$IMAGO" completion bash) || exit 9; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _imago; echo "${COMPREPLY[*]}"' _ "$@"
}
expect_eq "bash knows the function" "$(bash -c 'source <("$IMAGO" completion bash); complete -p imago')" "complete -o default -F _imago imago"
expect_eq "imago ins<TAB>" "$(complete_words imago ins)" "instances instance-templates instance-groups"
expect_eq "imago images l<TAB>" "$(complete_words imago images l)" "list"
expect_eq "a flag of the command" "$(complete_words imago images list --fo)" "--format"
expect_eq "past a global flag's value" "$(complete_words imago --project p instances cr)" "create"
expect_eq "the newest commands too" "$(complete_words imago update-)" "update-check"
expect_eq "imago instances ss<TAB>" "$(complete_words imago instances ss)" "ssh"
expect_contains "zsh, through bashcompinit" "$(imago completion zsh | head -2)" "bashcompinit"
usage "an unknown shell" "SHELL is bash or zsh, not 'fish'" completion fish
# instances ssh: what it refuses before it touches anything (tests/vm has
# the sessions, into both kit images).
expect_rc 4 env HOME="$WORK/user" "$IMAGO" instances ssh nosuch --command true
expect_contains "ssh to no instance" "$ERR" "instances/nosuch' was not found"
usage "a user name no guest can have" "'Root' is not a user name a guest can have" instances ssh Root@vm
usage "a host-key mode ssh does not have" "--strict-host-key-checking takes yes, no, ask or accept-new, not 'maybe'" \
  instances ssh vm --strict-host-key-checking maybe
[[ ! -e $WORK/user/.ssh ]] || fail "a refused ssh made a key"
# Every document a message points to exists (a message once sent users to
# images/README.md, which did not).
: "${IMAGO_SRC:?}"
docs=$(grep -rhoE "docs/[a-z_-]+\.md" "$IMAGO_SRC/src" | sort -u)
[[ -n $docs ]] || fail "no document references found in src/: nothing was checked"
for d in $docs; do [[ -f $IMAGO_SRC/$d ]] || fail "src/ points users to $d, which does not exist"; done
echo "PASS: no dead ends: unknown words named with the nearest known ones; help, version, completion"
