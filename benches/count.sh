#!/bin/sh
# Instructions per decision for every engine and benchmark question, counted by callgrind
# (valgrind): the driver makes the decision N times in one function, `measured`, and only
# that function is collected, so loading and setup are left out. Counts do not move with
# machine load, unlike timings.
#
#   ./count.sh           # writes target/instructions.tsv and prints a markdown table
#   N=500 ./count.sh     # fewer repetitions (faster under callgrind)
#   ./count.sh --table   # the table again, from target/instructions.tsv
set -eu
cd "$(dirname "$0")"
N=${N:-2000}
BIN=target/release/count
OUT=target/instructions.tsv
ENGINES="regionfence cedar regorus regorus-vm naive"

instructions() {
    # $1 engine, $2 question, $3 repetitions: the instructions executed inside `measured`.
    valgrind --tool=callgrind --callgrind-out-file=/dev/null '--toggle-collect=count::measured*' \
        "$BIN" "$1" "$2" "$3" 2>&1 \
        | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}

if [ "${1:-}" != --table ]; then
cargo build --release --quiet --bin count
"$BIN" --agree > /dev/null
questions=$("$BIN" --list | sed -n 's/^question: //p')
printf 'question\tengine\tinstructions\n' > "$OUT"
for question in $questions; do
    for engine in $ENGINES; do
        if "$BIN" "$engine" "$question" 1 2> /dev/null; then
            total=$(instructions "$engine" "$question" "$N")
            per=$(( total / N ))
        else
            per=-
        fi
        printf '%s\t%s\t%s\n' "$question" "$engine" "$per" >> "$OUT"
    done
done
fi

# One row per question, one column per engine: instructions (× regionfence's).
awk -F '\t' -v engines="$ENGINES" '
    NR == 1 { next }
    { count[$1, $2] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
    END {
        m = split(engines, e, " ")
        header = "| question |"; rule = "| --- |"
        for (j = 1; j <= m; j++) { header = header " " e[j] " |"; rule = rule " ---: |" }
        print header; print rule
        for (i = 1; i <= n; i++) {
            q = order[i]; base = count[q, e[1]]; line = "| " q " |"
            for (j = 1; j <= m; j++) {
                c = count[q, e[j]]
                if (c == "-") cell = "—"
                else if (j == 1 || base <= 0) cell = c
                else if (c / base < 10) cell = sprintf("%s (%.1f×)", c, c / base)
                else cell = sprintf("%s (%.0f×)", c, c / base)
                line = line " " cell " |"
            }
            print line
        }
    }' "$OUT"
