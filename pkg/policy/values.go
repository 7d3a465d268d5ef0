package policy

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// itemLimit is Cognito's constraint on one value of a field (the member
// shapes of UpdateUserPoolClient in the API reference:
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html).
// Parse checks baseline values against it so that an equals or require fix
// is one Cognito accepts; the JSON Schema states it too.
type itemLimit struct {
	min, max int    // length in characters
	pattern  string // Cognito's pattern, "" when none or not ASCII
	what     string
	re       func() *regexp.Regexp // compiled on first use, not at init
}

func limit(min, max int, pattern, what string) itemLimit {
	l := itemLimit{min: min, max: max, pattern: pattern, what: what}
	if pattern != "" {
		l.re = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:` + pattern + `)$`) })
	}
	return l
}

var itemLimits = map[string]itemLimit{
	"ClientName":                 limit(1, 128, `[\w\s+=,.@-]+`, "client name (1 to 128 of letters, digits, spaces and +=,.@-)"),
	"AllowedOAuthScopes":         limit(1, 256, `[\x21\x23-\x5B\x5D-\x7E]+`, "scope (1 to 256 printable characters without space, \" or \\)"),
	"CallbackURLs":               limit(1, 1024, "", "redirect URL (1 to 1024 characters, no spaces)"),
	"LogoutURLs":                 limit(1, 1024, "", "redirect URL (1 to 1024 characters, no spaces)"),
	"DefaultRedirectURI":         limit(1, 1024, "", "redirect URL (1 to 1024 characters, no spaces)"),
	"SupportedIdentityProviders": limit(1, 32, "", "identity provider name (1 to 32 characters)"),
	"ReadAttributes":             limit(1, 2048, "", "attribute name (1 to 2048 characters)"),
	"WriteAttributes":            limit(1, 2048, "", "attribute name (1 to 2048 characters)"),
}

// itemProblem checks one string of a baseline against Cognito's limits for
// the field. value says the string is a value a fix may write (equals,
// require), which must also be a URL Cognito accepts; a glob or a forbid or
// allow entry only has to fit the length.
func itemProblem(f *field, s string, value bool) string {
	lim, ok := itemLimits[f.name]
	if !ok {
		return ""
	}
	if n := utf8.RuneCountInString(s); n < lim.min || n > lim.max {
		return fmt.Sprintf("%q is not a valid %s", s, lim.what)
	}
	if !value || isGlob(s) {
		if f.urls || f.name == "DefaultRedirectURI" {
			if strings.ContainsFunc(s, isSpaceOrControl) {
				return fmt.Sprintf("%q is not a valid %s", s, lim.what)
			}
		}
		return ""
	}
	if lim.re != nil && !lim.re().MatchString(s) {
		return fmt.Sprintf("%q is not a valid %s", s, lim.what)
	}
	if f.urls || f.name == "DefaultRedirectURI" {
		if strings.ContainsFunc(s, isSpaceOrControl) {
			return fmt.Sprintf("%q is not a valid %s", s, lim.what)
		}
		return urlProblem(s)
	}
	if strings.ContainsFunc(s, isControl) {
		return fmt.Sprintf("%q is not a valid %s", s, lim.what)
	}
	return ""
}

func isControl(r rune) bool        { return r < 0x20 || r == 0x7f }
func isSpaceOrControl(r rune) bool { return isControl(r) || r == ' ' || r == 0x85 || r == 0xa0 }

// urlProblem checks a redirect URL a fix may write, as Cognito checks
// CallbackURLs ("Be an absolute URI. Be registered with the authorization
// server. Not include a fragment component." and "Amazon Cognito requires
// HTTPS over HTTP except for http://localhost for testing purposes only",
// API reference above). A loopback http URL passes here; Parse accepts it
// only where the rule's allow permits it.
func urlProblem(s string) string {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() {
		return fmt.Sprintf("%q is not an absolute URL", s)
	}
	if strings.Contains(s, "#") {
		return fmt.Sprintf("%q has a fragment, which Cognito refuses in a redirect URL", s)
	}
	if isHTTP(s) && !isLoopback(u.Hostname()) {
		return fmt.Sprintf("%q uses http, which Cognito accepts only for a loopback host (use https)", s)
	}
	return ""
}

// isHTTP reports whether the URL's scheme is http, in any case.
func isHTTP(s string) bool {
	scheme, _, ok := strings.Cut(s, ":")
	return ok && strings.EqualFold(scheme, "http")
}

// secureURL is the requireHttps test: every http URL fails, loopback
// included (a development leftover: any local process can catch the code);
// https and custom schemes (native-app redirects such as myapp://cb) pass,
// and allow/forbid restrict those.
func secureURL(s string) bool {
	scheme, _, ok := strings.Cut(s, ":")
	return ok && scheme != "" && !strings.EqualFold(scheme, "http")
}

// isLoopback reports whether host names the loopback interface in any
// spelling a URL parser or resolver accepts: localhost in any case and with
// a trailing dot, 127.0.0.0/8 in dotted, shortened, hex and octal forms
// (127.1, 0x7f.0.0.1, 2130706433), and ::1 in any IPv6 form.
func isLoopback(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap().IsLoopback()
	}
	if ip, ok := looseIPv4(h); ok {
		return ip>>24 == 127
	}
	return false
}

// looseIPv4 reads an IPv4 address the way inet_aton does: one to four parts,
// each decimal, octal (leading 0) or hex (0x), the last filling the
// remaining bytes.
func looseIPv4(s string) (uint32, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return 0, false
	}
	var ip uint32
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 0, 32)
		if p == "" || err != nil {
			return 0, false
		}
		if i < len(parts)-1 {
			if n > 255 {
				return 0, false
			}
			ip |= uint32(n) << (8 * (3 - i))
			continue
		}
		rest := 8 * (4 - i) // bits the last part fills
		if rest < 32 && n >= 1<<rest {
			return 0, false
		}
		ip |= uint32(n)
	}
	return ip, true
}

func isLoopbackURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && isLoopback(u.Hostname())
}
