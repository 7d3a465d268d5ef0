// Command vanish does nothing: TestBuildRebuildsAVanishedBinary builds it, removes the binary and
// builds it again. A package of its own, so that the removal cannot pull a binary from under a
// test running beside it.
package main

func main() {}
