//go:build race

package coldstart_test

// testFlags are this test binary's own build flags: a build with them
// reuses the packages the tests compiled.
func testFlags() []string { return []string{"-race"} }
