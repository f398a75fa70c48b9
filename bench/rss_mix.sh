#!/bin/bash
# rss_mix.sh BINARY DATA PORT — resident memory of 'cutwatch serve' on a
# copy of the --data directory DATA: after /readyz, and after the query
# phase's mix of requests (bench/query.go's mix for the corpus of
# 'cutwatch bench --n 100000 --seed 1'), each over /api/search and
# /search?size=50, three times. Prints VmRSS, VmHWM and the anonymous and
# file-mapped parts (see BENCHMARKS.md, issue 15).
set -eu
bin=$1 src=$2 port=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src" "$work/data"
start=$(date +%s.%N)
"$bin" serve --data "$work/data" --addr "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pid=$!
until curl -sf "127.0.0.1:$port/readyz" >/dev/null; do sleep 0.5; done
echo "ready after $(echo "$(date +%s.%N) - $start" | bc) s"
grep -E "VmRSS|RssAnon|RssFile" /proc/$pid/status | tr '\n' ' '; echo
for _ in 1 2 3; do
	while read -r p; do
		curl -s -o /dev/null "127.0.0.1:$port/api/search?$p&facet_size=10"
		curl -s -o /dev/null "127.0.0.1:$port/search?$p&size=50"
	done <<'Q'
q=earlier
q=body
q=%22compulsory+redundancies%22
q=%22Amara+Scott%22
q=%2Bthreat+%2Bthreatened
union=Unison
trust=NHS+London+Clinical+Commissioning+Group
q=threat&union=Unison&place=Southport
amount_min=50000000
jobs_min=100&jobs_max=600&sort=-jobs
q=
histogram=month&facet_metric=jobs
Q
done
echo "after the mix:"
grep -E "VmRSS|VmHWM|RssAnon|RssFile" /proc/$pid/status | tr '\n' ' '; echo
kill $pid
wait $pid 2>/dev/null || true
