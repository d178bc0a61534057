#!/usr/bin/env bash
# The project's two entry points (see README):
#   ./dev.sh run    set up, fetch MNIST, run the main job (exercise 8, quick, both backends)
#   ./dev.sh test   set up, fetch MNIST, lint, then the whole test suite
# "set up" = pip install of this project with pinned dependencies; safe to repeat.
set -euo pipefail
cd "$(dirname "$0")"
PY="${PYTHON:-python3}"

setup() {
    "$PY" -m pip install --quiet --disable-pip-version-check -e ".[dev]"
    "$PY" -m katas data fetch
}

case "${1:-}" in
    run)
        setup
        "$PY" -m katas exercise 8 --part 2 --backend both --quick
        ;;
    test)
        setup
        "$PY" -m ruff check .
        "$PY" -m ruff format --check .
        "$PY" -m pytest -q -p no:cacheprovider "${@:2}"
        ;;
    *)
        echo "usage: ./dev.sh run | test [pytest args]" >&2
        exit 2
        ;;
esac
