# Bounded steps for the guest scripts (source after tap.sh).  A step that
# outlives its time is reported -- the state, wait channel and kernel stack
# of its processes, and the tasks the kernel sees blocked -- and ends the
# script with a failure, instead of hanging the guest until the rig's
# timeout kills it with nothing said of where it stood.  Reports go to
# stderr and the step's TAP lines to fd 9, a copy of stdout when this file is
# sourced, so that a redirected step does not hide them.
exec 9>&1

# children PID: the PIDs of its children.
children() { cat /proc/"$1"/task/*/children 2>/dev/null; }

# proc_report PID: PID and its descendants, as TAP comments.
proc_report() {
	local p=$1 c
	[ -r "/proc/$p/status" ] || return 0
	{
		echo "pid $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-120)"
		echo "  $(grep '^State:' "/proc/$p/status"), wchan $(cat "/proc/$p/wchan" 2>/dev/null)"
		sed 's/^/    /' "/proc/$p/stack" 2>/dev/null | head -n 16
	} | sed 's/^/# /' >&2
	for c in $(children "$p"); do
		proc_report "$c"
	done
}

# blocked_report: the kernel's list of tasks in uninterruptible sleep.
blocked_report() {
	[ -w /proc/sysrq-trigger ] || return 0
	{ echo w >/proc/sysrq-trigger; } 2>/dev/null || return 0
	sleep 0.5
	dmesg 2>/dev/null | sed -n '/sysrq: Show Blocked State/,$p' | tail -n 40 | sed 's/^/#   /' >&2
}

# kill_tree PID: SIGKILL PID and its descendants.
kill_tree() {
	local c
	for c in $(children "$1"); do
		kill_tree "$c"
	done
	kill -9 "$1" 2>/dev/null
}

# reap PID SECS: wait for the child PID to end, at most SECS s.  Its exit
# status; 124 when it is still there (reported, left running).  A child that
# ended is gone at once: bash reaps it and keeps its status for wait.
reap() {
	local end=$((SECONDS + $2))
	while kill -0 "$1" 2>/dev/null; do
		if [ $SECONDS -ge "$end" ]; then
			echo "# pid $1 still running after $2 s:" >&2
			proc_report "$1"
			blocked_report
			return 124
		fi
		sleep 0.1
	done
	wait "$1"
}

# reaped PID SECS NAME: reap; when PID is still there, the report, it is
# killed, not ok "NAME: not done in SECS s" and the end of the script.
reaped() {
	local rc
	reap "$1" "$2"
	rc=$?
	if [ $rc -eq 124 ] && [ -d "/proc/$1" ]; then
		kill_tree "$1"
		{
			not_ok "$3: not done in $2 s (report above)"
			tap_done
		} >&9
	fi
	return $rc
}

# step SECS NAME CMD...: CMD (a command or a function) in the background,
# reaped within SECS s.  Its exit status.
step() {
	local secs=$1 name=$2
	shift 2
	"$@" &
	reaped $! "$secs" "$name"
}
