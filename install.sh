#!/bin/sh
# First run on a stock Debian/Ubuntu server (PEP 668: the OS python refuses `pip install`):
# install erp-console into its own virtual environment, link it into ~/.local/bin, then run it
# (default: `erp-console --demo`; any arguments are passed on instead, e.g. ./install.sh --version).
set -eu
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
VENV=${ERP_CONSOLE_VENV:-${XDG_DATA_HOME:-$HOME/.local/share}/erp-console/venv}
BIN=${ERP_CONSOLE_BIN:-$HOME/.local/bin}

if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install: adding python3-venv (apt-get)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  else
    echo "install: $PYTHON cannot create a virtual environment; run: sudo apt-get install python3-venv" >&2
    exit 1
  fi
fi

echo "install: erp-console into $VENV" >&2
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check .
mkdir -p "$BIN"
ln -sf "$VENV/bin/erp-console" "$BIN/erp-console"
echo "install: linked $BIN/erp-console" >&2
case ":$PATH:" in
  *":$BIN:"*) ;;
  *) echo "install: add $BIN to your PATH (e.g. in ~/.profile) to run erp-console by name" >&2 ;;
esac

if [ "$#" -eq 0 ]; then
  set -- --demo
fi
exec "$BIN/erp-console" "$@"
