package policy

import (
	"fmt"
	"strconv"
)

// Durations are whole seconds internally. The baseline writes them as an
// integer followed by one unit, the same four units TokenValidityUnits knows,
// so every bound is exactly representable in Cognito's own vocabulary.

var unitSeconds = map[byte]int64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400}

// parseDuration reads "90m", "1h", "30d". Fractions and compound forms
// ("1h30m") are refused: they would hide rounding.
func parseDuration(s string) (int64, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("%q is not a duration such as \"1h\" (units s, m, h, d)", s)
	}
	mult, ok := unitSeconds[s[len(s)-1]]
	if !ok {
		return 0, fmt.Errorf("%q is not a duration such as \"1h\" (units s, m, h, d)", s)
	}
	digits := s[:len(s)-1]
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, fmt.Errorf("%q is not a duration such as \"1h\" (units s, m, h, d)", s)
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > 1<<40 {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return n * mult, nil
}

// formatDuration writes seconds in the largest unit that divides them, so
// 3600 is "1h" and 5400 is "90m": the normalised form of Current and Fix.
func formatDuration(sec int64) string {
	for _, u := range []struct {
		c byte
		n int64
	}{{'d', 86400}, {'h', 3600}, {'m', 60}} {
		if sec != 0 && sec%u.n == 0 {
			return strconv.FormatInt(sec/u.n, 10) + string(u.c)
		}
	}
	return strconv.FormatInt(sec, 10) + "s"
}
