package remediate

import (
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

func TestShare(t *testing.T) {
	got, err := Share(5, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := appclient.Limits{Read: 2.5, Update: 2.5, Pool: 1.5, ListPools: appclient.DefaultLimits.ListPools}
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("Share(5, 3, 2) (-want +got):\n%s", diff)
	}
	for _, bad := range [][3]float64{{0, 3, 2}, {16, 3, 2}, {5, 0, 2}, {5, 6, 2}, {5, 3, 0}, {5, 3, 0.5}} {
		if _, err := Share(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("Share(%v, %v, %v): no error", bad[0], bad[1], bad[2])
		}
	}
}
