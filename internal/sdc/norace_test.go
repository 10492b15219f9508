//go:build !race

package sdc

const raceEnabled = false
