package main

import "testing"

func TestDiff(t *testing.T) {
	t.Parallel() // its own emulator and pacer; it waits on the pacer
	runCases(t, []cmdCase{
		{name: "diff_rules", args: []string{"diff", "testdata/baselines/old.json", "testdata/baselines/new.json"}, code: 0},
		{name: "diff_json", args: []string{"diff", "--json", "testdata/baselines/old.json", "testdata/baselines/new.json"}, code: 0},
		{name: "diff_same", args: []string{"diff", "testdata/baselines/current.json", "testdata/baselines/current.json"}, code: 0},
		{name: "diff_fleet", args: []string{"diff", "--fleet", "--rate", fastRate, "-q", "testdata/baselines/old.json", "testdata/baselines/new.json"},
			fleet: true, code: 0},
		{name: "diff_invalid", args: []string{"diff", "testdata/baselines/old.json", "testdata/baselines/syntax.json"}, code: 1},
		{name: "diff_one_file", args: []string{"diff", "testdata/baselines/old.json"}, code: 1},
	})
}
