// Package browsertest opens the audit's HTML report in a real browser:
// Debian's chromium, headless, driven over the DevTools protocol with
// chromedp. It is a package of its own so that chromedp stays out of the
// function binaries; it has no code but its test.
//
// The test skips when chromium is not installed, except under CI=true,
// where it fails (.ci/run installs chromium). CHROMIUM names another
// binary. The screenshot goes to $TEST_ARTIFACTS (or the system's
// temporary directory) as audit-report.png; the test logs its path.
package browsertest
