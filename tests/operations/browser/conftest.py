# The console's browser fixtures (Debian's Chromium through Playwright), shared with stewardship.
from tests.stewardship.browser.conftest import browser_page, chromium  # noqa: F401
