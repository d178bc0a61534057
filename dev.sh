#!/usr/bin/env bash
# The project's two entry points (see README):
#   ./dev.sh run    set up, fetch MNIST, run the main job (exercise 8, quick, both backends)
#   ./dev.sh test   set up, fetch MNIST, lint, then the whole test suite, one pytest-xdist
#                   worker per core, each test file on one worker (its module fixtures built
#                   once); pass -n 0 to run in one process
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
        "$PY" -m pytest -q -p no:cacheprovider -n auto --dist loadfile "${@:2}"
        ;;
    *)
        echo "usage: ./dev.sh run | test [pytest args]" >&2
        exit 2
        ;;
esac
