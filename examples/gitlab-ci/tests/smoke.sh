#!/bin/sh
# Smoke test of a deployed environment at $IMAGO_URL: it answers its greeting.
set -e
out=$(curl -sf -m 10 "$IMAGO_URL")
echo "smoke: $IMAGO_URL answers: $out"
case $out in "hello from site=example"*) ;; *) echo "smoke: unexpected answer" >&2; exit 1 ;; esac
