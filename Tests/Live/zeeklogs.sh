# Sourced by the Zeek log tests (zeek_test.sh, zeek_live_test.sh): installs the third-party
# reader `parsezeeklogs` from PyPI into a virtual environment in $work, and runs Python with
# zeeklogs.py (check / read / finish) on its path:
#   zeek_python SCRIPT_ARGS... <<'PY' ... PY
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check parsezeeklogs==3.0.1
zeek_python() { PYTHONPATH="$PWD/Tests/Live" "$work/venv/bin/python" - "$@"; }
