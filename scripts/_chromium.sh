# Sourced by scripts/test: the dashboard's tests (tests/e2e/test_dashboard.py)
# drive a real headless browser through Selenium, with Debian's chromium and
# its chromedriver, so that Selenium downloads nothing. Install either where
# it is missing (CHROMIUM_BINARY and CHROMEDRIVER_BINARY may name others).
source "$(dirname "${BASH_SOURCE[0]}")/_apt.sh"
if [ -z "${CHROMIUM_BINARY:-}" ] && ! command -v chromium >/dev/null 2>&1; then
    apt_install chromium chromium "or set CHROMIUM_BINARY to a Chromium or Chrome binary"
fi
if [ -z "${CHROMEDRIVER_BINARY:-}" ] && ! command -v chromedriver >/dev/null 2>&1; then
    apt_install chromium-driver chromedriver "or set CHROMEDRIVER_BINARY to a chromedriver matching the browser"
fi
