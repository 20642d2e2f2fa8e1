#!/usr/bin/env bash
# Post orion-lint's budget diff on a Gitea pull request as one comment, edited on each push.
#
# usage: budget-comment.sh COMMAND [ARG...]
#   e.g. budget-comment.sh orion-lint budget --compare "$BASE_SHA" --format markdown
#
# COMMAND's stdout is the comment; its first line must be the marker below. Exit 0 (fits the plan)
# or 1 (exceeds it): the comment is posted, or the previous one edited, then the script exits with
# that code, so a budget over the plan fails the step after commenting. Any other exit (2: orion-lint
# could not read the project): nothing is posted, the script exits with it.
#
# Environment: GITEA_API_URL (https://gitea.example/api/v1), GITEA_TOKEN, GITEA_REPOSITORY
# (owner/name), PR_INDEX (the pull request's number). Needs bash, curl and jq.
set -euo pipefail
set +x # the token must never reach the log

readonly marker='<!-- orion-lint budget -->'
# Gitea's default MAX_RESPONSE_ITEMS; a thread longer than this takes several pages.
readonly page_size=50
readonly max_pages=200

fail() {
    echo "budget-comment: $*" >&2
    exit 2
}

for var in GITEA_API_URL GITEA_TOKEN GITEA_REPOSITORY PR_INDEX; do
    [ -n "${!var:-}" ] || fail "$var is not set (see the Gitea section of orion-lint's README)"
done
[[ $PR_INDEX =~ ^[0-9]+$ ]] || fail "PR_INDEX is not a pull request number"
[[ $GITEA_REPOSITORY =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || fail "GITEA_REPOSITORY is not owner/name"
[ $# -gt 0 ] || fail "usage: budget-comment.sh COMMAND [ARG...]"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The token goes to curl in a header file (mode 600), never on a command line that `ps` shows.
umask 077
printf 'Authorization: token %s\n' "$GITEA_TOKEN" >"$work/auth"

status=0
"$@" >"$work/comment.md" || status=$?
case $status in
0 | 1) ;;
*)
    echo "budget-comment: $1 exited with $status: no comment posted" >&2
    exit "$status"
    ;;
esac
[ "$(head -n 1 "$work/comment.md")" = "$marker" ] ||
    fail "the output of $1 does not start with $marker: no comment posted"
# The body as JSON built by jq: quotes, backslashes, newlines and Unicode round-trip.
jq -Rs '{body: .}' <"$work/comment.md" >"$work/request.json"

repo_api="$GITEA_API_URL/repos/$GITEA_REPOSITORY"

# api METHOD URL [JSON_FILE]: the response body in $work/response, its headers in $work/headers;
# any answer but 2xx ends the script (exit 2) with the status and Gitea's message.
api() {
    local args=(--silent --show-error --proto '=http,https' --max-time 30 --request "$1"
        --header "@$work/auth" --header 'Accept: application/json'
        --dump-header "$work/headers" --output "$work/response" --write-out '%{http_code}')
    if [ $# -gt 2 ]; then
        args+=(--header 'Content-Type: application/json' --data-binary "@$3")
    fi
    local code
    code=$(curl "${args[@]}" "$2") || fail "$1 $2: no answer"
    case $code in
    2??) ;;
    *) fail "$1 $2: HTTP $code $(jq -r '.message? // empty' "$work/response" 2>/dev/null | head -c 300)" ;;
    esac
}

api GET "$GITEA_API_URL/user"
me=$(jq -r '.login // empty' "$work/response")
[ -n "$me" ] || fail "GET /user answered no login"

# The previous comment: ours, starting with the marker. Gitea answers this list whole (it ignores
# page and limit, and X-Total-Count gives the whole count); a server that pages is read page by
# page, up to that count or a short page.
comment_id=
page=1
seen=0
while [ -z "$comment_id" ] && [ "$page" -le "$max_pages" ]; do
    api GET "$repo_api/issues/$PR_INDEX/comments?page=$page&limit=$page_size"
    count=$(jq 'length' "$work/response")
    comment_id=$(jq -r --arg me "$me" --arg marker "$marker" \
        'map(select(.user.login == $me and (.body | startswith($marker)))) | first | .id // empty' \
        "$work/response")
    seen=$((seen + count))
    total=$(tr -d '\r' <"$work/headers" | sed -n 's/^[Xx]-[Tt]otal-[Cc]ount: *\([0-9][0-9]*\)$/\1/p' | tail -n 1)
    if [ "$count" -lt "$page_size" ] || { [ -n "$total" ] && [ "$seen" -ge "$total" ]; }; then
        break
    fi
    page=$((page + 1))
done

if [[ $comment_id =~ ^[0-9]+$ ]]; then
    api PATCH "$repo_api/issues/comments/$comment_id" "$work/request.json"
    echo "budget-comment: edited comment $comment_id on pull request #$PR_INDEX"
else
    api POST "$repo_api/issues/$PR_INDEX/comments" "$work/request.json"
    echo "budget-comment: posted comment $(jq -r '.id' "$work/response") on pull request #$PR_INDEX"
fi
exit "$status"
