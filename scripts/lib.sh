# shellcheck shell=bash
# Common settings for the harness scripts. Sourced, not run.

# Where everything that is not in git lives: kernel trees, build dirs, ccache,
# guest run logs. Override with CACHE=/some/dir.
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/damos-order}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Pinned base: Debian's linux-source-7.3 package.
BASE_PKG=linux-source-7.3
BASE_VER=7.3.4-1~bpo13+1
BASE_SUITE=trixie-backports
BASE_DEB=${BASE_PKG}_${BASE_VER}_all.deb
SHARED_CACHE=${SHARED_CACHE:-$TOP/../shared/cache}

BASE_TREE=$CACHE/base          # pristine tree, one git commit, tag "base"
WORK_TREE=${WORK_TREE:-$CACHE/linux}  # base + series (git am); edit here
KUNIT_OUT=$CACHE/build/kunit
GUEST_OUT=$CACHE/build/guest
# make test's bisect step builds each patch in its own git worktree of
# $WORK_TREE, never checking out the tree a developer edits. Tree and build
# dir at the same relative places as $WORK_TREE and $GUEST_OUT (../../linux
# from the build dir), so that ccache (CCACHE_BASEDIR) serves both.
BISECT_TREE=$CACHE/bisect/linux
BISECT_OUT=$CACHE/bisect/build/guest
RUN_DIR=$CACHE/run

export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
# Kernel builds embed __DATE__-free but path-dependent data; let ccache hit
# across work trees of the same content.
export CCACHE_BASEDIR=$CACHE
export CCACHE_NOHASHDIR=1
export CCACHE_SLOPPINESS=time_macros,include_file_mtime,include_file_ctime,file_stat_matches

JOBS=${JOBS:-$(nproc)}

# Fixed identity/date for the imported base commit, so its hash is the same on
# every machine and can be named in the cover letter.
BASE_GIT_ENV=(GIT_AUTHOR_NAME="Linux $BASE_VER" GIT_AUTHOR_EMAIL="linux-source@debian.invalid"
	GIT_COMMITTER_NAME="Linux $BASE_VER" GIT_COMMITTER_EMAIL="linux-source@debian.invalid"
	GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z")

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Debian mirror of this machine, read from its own apt sources (never hard-coded).
debian_mirror() {
	local uri
	uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
	[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $0 ~ /debian/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' \
		/etc/apt/sources.list 2>/dev/null || true)
	echo "$uri"
}

# apt_private DIR SOURCES_LINE [OPTION...]: a private apt configuration in
# DIR (own sources list, lists and cache dirs; the system's apt state is not
# touched); its apt-get options end up in the array APT_OPTS.
apt_private() {
	local apt=$1 line=$2
	shift 2
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
	echo "$line" >"$apt/sources.list"
	APT_OPTS=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
		-o Debug::NoLocking=1 -o APT::Sandbox::User=root -o APT::Get::List-Cleanup=0 "$@")
}

# apt_download SUITE PKG[=VERSION] DESTDIR: download one .deb from another
# Debian suite with a private apt configuration in $CACHE/apt/SUITE.
apt_download() {
	local suite=$1 pkg=$2 dest=$3 uri apt=$CACHE/apt/$1
	uri=$(debian_mirror)
	[ -n "$uri" ] || { say "no Debian mirror in /etc/apt/sources.list.d/debian.sources"; return 1; }
	mkdir -p "$dest"
	apt_private "$apt" "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main"
	say "apt: $pkg from $uri $suite (private apt config in $apt)"
	apt-get "${APT_OPTS[@]}" -qq update >&2 && (cd "$dest" && apt-get "${APT_OPTS[@]}" -qq download "$pkg" >&2)
}

# timed STEP CMD...: run CMD, add "STEP<TAB><TAB>seconds" to the file named
# by $times (make test's and make stress's summaries print them).
timed() {
	local step=$1 start rc=0
	shift
	start=$(date +%s)
	"$@" || rc=$?
	printf '%s\t\t%s\n' "$step" $(($(date +%s) - start)) >>"$times"
	return "$rc"
}

# Kernel parameters that give a TCG guest a TSC clocksource: without ACPI it
# cannot calibrate its TSC (no HPET or PM timer) and falls back to
# refined-jiffies, so CPU times move in 4 ms ticks. TCG's TSC runs at the
# host's frequency. Used by make bench and by the guest of make test that
# runs the benchmark's smoke run (a short action could take 0 ticks).
tsc_append() {
	awk -F': *' '/^cpu MHz/ {printf "tsc_early_khz=%d tsc=reliable", $2 * 1000; exit}' /proc/cpuinfo
}

# save_results NAME FILE...: with RESULTS=1, keep what a command measured
# in the repo, as results/<UTC date and time>-NAME.<ext of each FILE> (the
# README and the cover letter link their figures to these files).
save_results() {
	[ "${RESULTS:-}" = 1 ] || return 0
	local name=$1 f stamp
	shift
	stamp=$(date -u +%Y-%m-%d-%H%M)
	mkdir -p "$TOP/results"
	for f in "$@"; do
		[ -s "$f" ] || continue
		cp "$f" "$TOP/results/$stamp-$name.${f##*.}"
		say "results: $TOP/results/$stamp-$name.${f##*.}"
	done
}
