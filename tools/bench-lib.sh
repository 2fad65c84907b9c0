# bench-lib.sh: the figures helpers tools/bench-*.sh source, so every
# benchmark reports median and spread the same way.

# stats [FORMAT]: numbers on stdin -> "median min max" with printf FORMAT
# (default %.1f); empty input -> "- - -"
stats() {
    sort -g | awk -v f="${1:-%.1f}" '{ v[NR] = $1 } END {
        if (NR == 0) { print "- - -"; exit }
        printf f " " f " " f "\n", v[int((NR + 1) / 2)], v[1], v[NR] }'
}

# fmt "median min max" UNIT -> "median UNIT (min..max)"
fmt() {
    set -- $1 "$2"
    [ "$1" = "-" ] && { echo "n/a"; return; }
    echo "$1 $4 ($2..$3)"
}

# m "median min max" -> median
m() { echo "$1" | cut -d' ' -f1; }

# div A B FORMAT: A / B, or n/a when either is missing or B is 0
div() {
    awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN {
        if (a == "" || b == "" || a == "-" || b == "-" || b == 0) print "n/a"
        else printf f "\n", a / b }'
}
