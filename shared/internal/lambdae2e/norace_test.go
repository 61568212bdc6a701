//go:build !race

package lambdae2e_test

// raceEnabled tells whether this test binary was built with -race.
const raceEnabled = false
