#!/usr/bin/env bats
# Runs last (bats runs files in name order): every server the other files
# started must be gone.

load lib/common

@test "no test server is left running" {
	run leftover_servers
	assert_success
	assert_output ""
}
