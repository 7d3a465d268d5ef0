package main

import (
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/waitbound"
)

// The end-to-end tests here wait on the function under the RIE, its pacer
// and moto, not the CPU: run up to 8 at a time (waitbound says why).
func TestMain(m *testing.M) { waitbound.Main(m, 8) }
