package appclient

import (
	"strings"
	"testing"
)

func TestValidPoolID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"us-east-1_EXAMPLE01", true},
		{"eu-west-2_a1", true},
		{"x_" + strings.Repeat("a", 53), true},  // 55 characters
		{"x_" + strings.Repeat("a", 54), false}, // 56 characters
		{"", false},
		{"us-east-1", false},
		{"us-east-1_", false},
		{"_abc", false},
		{"us-east-1_ab-c", false},
		{"us-east-1_abc\n", false},
		{"us east-1_abc", false},
	} {
		if got := ValidPoolID(tc.id); got != tc.want {
			t.Errorf("ValidPoolID(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}
