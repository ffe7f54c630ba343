//go:build !linux

package serverproc

import "os/exec"

// dieWithParent does nothing where the kernel has no parent-death signal:
// a killed load tool may leave its server running there.
func dieWithParent(cmd *exec.Cmd) {}
