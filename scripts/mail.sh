#!/usr/bin/env bash
# make mail: the series in patches/, ready for git send-email, with YOUR
# identity. The patches in patches/ carry this repo's placeholder identity
# (the Signed-off-by of 0001); this writes them again, to $MAIL_OUT
# (mail/ by default), with your git identity (git config user.name and
# user.email, or MAIL_NAME and MAIL_EMAIL) as From and Signed-off-by, and
# with To and Cc from scripts/get_maintainer.pl for each patch (the cover
# letter gets the union of all). Then: git send-email mail/*.patch
#
# MAIL_CHECK=1 also checks every patch's headers and runs git send-email
# --dry-run over them (make test does this, with a test identity).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

out=${MAIL_OUT:-$TOP/mail}
name=${MAIL_NAME:-$(git config user.name || true)}
email=${MAIL_EMAIL:-$(git config user.email || true)}
placeholder=$(sed -n 's/^Signed-off-by: //p' "$TOP"/patches/0001-*.patch | head -n 1)
[ -n "$placeholder" ] || die "mail: patches/0001-*.patch has no Signed-off-by"
me="$name <$email>"
if [ -z "$name" ] || [ -z "$email" ]; then
	die "mail: no identity: set git config user.name and user.email (or MAIL_NAME and MAIL_EMAIL)"
fi
if [ "$me" = "$placeholder" ] && [ -z "${MAIL_CHECK:-}" ]; then
	die "mail: your identity is this repo's placeholder ($placeholder): set your own"
fi
cat >&2 <<EOF
mail: signing the series off as: $me
  By your Signed-off-by you certify the Developer's Certificate of Origin 1.1
  (Documentation/process/submitting-patches.rst in the kernel tree): that
  you wrote the change or have the right to submit it under the license of
  the files it touches, and that you understand that the patch and your
  sign-off are public and kept forever. Sign off only if that is true.
EOF

"$TOP/scripts/fetch-base.sh" >/dev/null
tree=$CACHE/mail-tree
rm -rf "$tree" "$out"
git -C "$BASE_TREE" worktree prune
mapfile -t patches < <(find "$TOP/patches" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-*' | sort)
# Only the files the series touches and what get_maintainer.pl reads are
# checked out (seconds, not the minutes of a whole tree).
git -C "$BASE_TREE" worktree add -q --no-checkout --detach "$tree" base
trap 'rm -rf "$tree"; git -C "$BASE_TREE" worktree prune' EXIT
cd "$tree"
git sparse-checkout set --no-cone /MAINTAINERS /COPYING /CREDITS /Kbuild /Makefile \
	/README /scripts/get_maintainer.pl \
	$(sed -n 's|^diff --git a/\(\S*\) .*|/\1|p' "${patches[@]}" | sort -u)
git checkout -q --detach base
# get_maintainer.pl knows a kernel tree by these directories
mkdir -p Documentation arch include drivers fs init ipc kernel lib scripts
for p in "${patches[@]}"; do
	git -c user.name="$name" -c user.email="$email" am -q --keep-cr "$p" ||
		die "mail: $(basename "$p") does not apply on base"
done
# The same commits, authored and signed off by you; the placeholder's
# Signed-off-by is replaced, never kept beside yours.
base=$(git rev-parse base)
parent=$base
for c in $(git rev-list --reverse "$base..HEAD"); do
	msg=$(git log -1 --format=%B "$c" | P="Signed-off-by: $placeholder" M="Signed-off-by: $me" \
		awk '$0 == ENVIRON["P"] { print ENVIRON["M"]; next } { print }')
	case $msg in *"Signed-off-by: $me"*) ;; *) msg="$msg
Signed-off-by: $me" ;; esac
	parent=$(GIT_AUTHOR_NAME="$name" GIT_AUTHOR_EMAIL="$email" \
		GIT_AUTHOR_DATE="$(git log -1 --format=%aD "$c")" \
		GIT_COMMITTER_NAME="$name" GIT_COMMITTER_EMAIL="$email" \
		git commit-tree "$c^{tree}" -p "$parent" -m "$msg")
done
git checkout -q -B mail "$parent"

mkdir -p "$out"
git -c "branch.mail.description=$(cat "$TOP/cover-letter.txt")" -c user.name="$name" -c user.email="$email" \
	format-patch -q --cover-letter --cover-from-description=subject --base="$base" \
	--subject-prefix=PATCH --from="$me" -o "$out" "$base..HEAD"
# To: the maintainers; Cc: the reviewers and lists; per patch from
# get_maintainer.pl, the cover letter gets the union.
recipients() {
	perl scripts/get_maintainer.pl --no-git --no-git-fallback --rolestats \
		--no-remove-duplicates "$@" 2>/dev/null | sort -u
}
add_headers() { # add_headers PATCH GET_MAINTAINER_INPUT...
	local p=$1 to="" cc="" addr
	shift
	while IFS= read -r line; do
		addr=${line%% (*}
		case "$line" in
		*"(maintainer:"*)
			case ", $to, " in *", $addr, "*) ;; *) to+="${to:+, }$addr" ;; esac ;;
		*"(reviewer:"* | *"(open list"* | *"(moderated list"*)
			case ", $cc, " in *", $addr, "*) ;; *) cc+="${cc:+, }$addr" ;; esac ;;
		esac
	done < <(recipients "$@")
	TO=$to CC=$cc python3 - "$p" <<'PY'
import os, sys
p = sys.argv[1]
s = open(p).read()
head, sep, body = s.partition('\n\n')
lines = [(k + ': ' + os.environ[k.upper()].replace(', ', ',\n    '))
         for k in ('To', 'Cc') if os.environ[k.upper()]]
head += ''.join('\n' + l for l in lines if l)
open(p, 'w').write(head + sep + body)
PY
}
mapfile -t out_patches < <(find "$out" -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-*' | sort)
for p in "${out_patches[@]}"; do
	add_headers "$p" "$p"
done
add_headers "$out"/0000-*.patch "${out_patches[@]}"
say "mail: wrote ${#out_patches[@]} patches and a cover letter to $out, signed off by $me"
say "mail: next: git send-email $out/*.patch"

[ -n "${MAIL_CHECK:-}" ] || exit 0
# The check: each patch From and Signed-off-by the identity, no placeholder
# left, To/Cc as get_maintainer.pl gives for it; git send-email reads them.
"$TOP/scripts/mail-check.py" "$out" "$me" "$placeholder"
git send-email --dry-run --confirm=never --no-validate --from="$me" --8bit-encoding=UTF-8 \
	--suppress-cc=self "$out"/*.patch >"$out/send-email-dry-run.log" 2>&1 ||
	{ tail -n 20 "$out/send-email-dry-run.log" >&2; die "mail: git send-email --dry-run failed"; }
n=$(grep -c '^Dry-OK\|^Dry-Sent' "$out/send-email-dry-run.log" || true)
[ "$n" = $((${#out_patches[@]} + 1)) ] ||
	die "mail: git send-email --dry-run sent $n of $((${#out_patches[@]} + 1)) mails (see $out/send-email-dry-run.log)"
say "mail: git send-email --dry-run: all $n mails OK"
