# Shared by scripts/demo and scripts/test (sourced, not run): make a virtual environment
# in .venv with what is needed, installing Debian packages when they are missing.
# Usage: bootstrap "<pip requirement>" [debian packages the job needs...]

apt_install() {
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "error: need root (or sudo) to run: apt-get install $*" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q "$@" </dev/null ||
    { $sudo apt-get update -q </dev/null && $sudo apt-get install -y -q "$@" </dev/null; }
}

bootstrap() {
  local requirement=$1
  shift
  local missing=()
  for package in "$@"; do
    case $package in
      graphviz) command -v dot >/dev/null 2>&1 || missing+=(graphviz) ;;
      chromium) [ -x /usr/bin/chromium ] || missing+=(chromium) ;;
      chromium-driver) [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver) ;;
      *) missing+=("$package") ;;
    esac
  done
  local python=${PYTHON:-python3}
  if [ ! -x .venv/bin/python ] && ! "$python" -m venv --help >/dev/null 2>&1; then
    missing+=(python3-venv)
  fi
  if [ ! -x .venv/bin/python ] && ! "$python" -c "import ensurepip" >/dev/null 2>&1; then
    missing+=(python3-venv)
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
  fi
  if [ ! -x .venv/bin/python ]; then
    rm -rf .venv
    "$python" -m venv .venv
  fi
  .venv/bin/python -m pip install -q --upgrade pip </dev/null
  .venv/bin/python -m pip install -q -e "$requirement" </dev/null
}
