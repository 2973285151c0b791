# bbdiff.sh: the busybox half of the differential test (libos/linux/tests/diff_test.py), run
# by Debian's busybox-static's own sh (`lxrun busybox-static:sh:/lx/bbdiff.sh`) in Tessera and
# in the Linux guest alike. It makes a small fixed tree in /tmp, then runs each command through
# `sh -c` between "=== bb_NAME" and "=== bb_NAME: exit N". Every applet is a link in /tmp/bin
# to /lx/busybox-static (PATH has nothing else), so both sides run the same binary. Output is
# deterministic: no times, owners, pids; directory listings that follow readdir order are sorted.
BB=/lx/busybox-static
$BB mkdir -p /tmp/bin /tmp/w
for a in sh ls cat grep sed awk sort tar md5sum find xargs wc head tail cut tr uniq printf \
    expr test echo mkdir rm cp mv ln touch env basename dirname seq true false od rmdir gzip; do
    $BB ln -s $BB /tmp/bin/$a
done
PATH=/tmp/bin
export PATH
cd /tmp/w || exit 1
run() {
    echo "=== bb_$1"
    sh -c "$2"
    echo "=== bb_$1: exit $?"
}

run tree 'mkdir -p t/a/b t/c && printf "alpha\nbeta\ngamma\nalpha\n" > t/a/one.txt &&
seq 1 20 > t/a/b/nums && printf "x y z\n1 2 3\nfoo:bar:baz\n" > t/c/f.txt &&
echo hello > t/top && printf "b 2\na 10\nc 1\na 10\n" > t/c/kv && echo made'
run pipe 'cat t/a/one.txt | grep a | sort | uniq -c'
run redirect 'echo one > f1; echo two >> f1; cat < f1; cat f1 nosuch 2>&1; echo "cat said $?";
echo err 1>&2 2>/dev/null; (echo out; echo err >&2) 2>&1 >/dev/null | cat'
run ls 'ls t; ls t/a t/c; ls -a t/a; ls -R t; ls -d t/*/; ls nosuch 2>&1; echo $?'
run cat 'cat t/top t/a/one.txt; cat -n t/c/f.txt; echo x | cat - t/top'
run grep 'grep -n alpha t/a/one.txt; grep -c a t/a/one.txt; grep -v a t/a/one.txt;
grep -r hello t; grep -rl a t | sort; grep -E "^(1|2)$" t/a/b/nums; grep -i ALPHA t/a/one.txt;
grep nothing t/top; echo "grep: $?"; grep x nosuch 2>&1; echo "grep: $?"'
run sed 'sed -n 2p t/a/one.txt; sed "s/a/A/g" t/a/one.txt; sed -e "1d" -e "s/^/> /" t/c/f.txt;
cp t/top t/top2 && sed -i "s/hello/bye/" t/top2 && cat t/top2; sed -n "/beta/,/gamma/p" t/a/one.txt'
run awk 'awk "{s+=\$1} END {print s, NR}" t/a/b/nums; awk -F: "{print \$2}" t/c/f.txt;
awk "{printf \"%-6s|%3d\n\", \$1, \$2}" t/c/kv; awk "BEGIN {x = 7 / 2; print x, int(x), 2 * 10, length(\"abc\")}"'
run sort 'sort t/c/kv; sort -u t/c/kv; sort -k2 -n t/c/kv; sort -r t/a/one.txt; sort -n -r t/a/b/nums | head -3'
run tar 'tar cf /tmp/t.tar t && tar tf /tmp/t.tar | sort && mkdir x && tar xf /tmp/t.tar -C x &&
cat x/t/a/one.txt && tar czf /tmp/t.tgz t && tar tzf /tmp/t.tgz | sort | tail -2'
run md5sum 'md5sum t/top t/a/one.txt t/a/b/nums; md5sum t/top > sums && md5sum -c sums;
echo -n abc | md5sum'
run find 'find t | sort; find t -type f -name "*.txt" | sort; find t -type d | sort;
find t -name nums -exec cat {} \; | wc -l; find nosuch 2>&1; echo $?'
run xargs 'find t -type f | sort | xargs wc -l; echo a b c d | xargs -n 2 echo;
printf "1\n2\n3\n" | xargs -I X echo item X'
run heredoc 'x=world; cat <<EOF
hello $x $((6 * 7))
EOF
cat <<"EOF"
literal $x
EOF
wc -l <<EOF
1
2
EOF'
run wc_head_tail 'wc t/a/one.txt; wc -c < t/top; head -n 3 t/a/b/nums; tail -n 2 t/a/b/nums;
head -c 5 t/a/one.txt; echo; tail -n +18 t/a/b/nums'
run cut_tr_uniq 'cut -d: -f1,3 t/c/f.txt; cut -c1-3 t/a/one.txt; echo Hello | tr a-z A-Z;
echo aabbcc | tr -d b; echo "a  b   c" | tr -s " "; sort t/a/one.txt | uniq; sort t/a/one.txt | uniq -d'
run printf_expr_test 'printf "%s=%d %x %05.1f %c\n" n 42 255 3.14159 A; expr 6 \* 7; expr 7 / 2;
expr length abcde; expr 3 \> 2; expr 1 = 2; echo "expr: $?"; test -d t && echo dir;
test -f t/top && echo file; test -e nosuch; echo "test: $?"; [ 3 -lt 10 ] && echo lt;
[ abc = abc ] && echo eq; test -s t/top && echo nonempty'
run status 'sh -c "exit 3"; echo $?; sh -c "kill -9 \$\$"; echo $?; sh -c "kill -TERM \$\$"; echo $?;
false | true; echo $?; true | false; echo $?; nosuch 2>&1; echo $?; ( exit 5 ); echo $?'
run shell 'echo $(echo a; echo b); for i in 1 2 3; do printf "%s," $i; done; echo;
seq 3 | while read n; do echo n$n; done; case abc in a*) echo star;; esac; f() { echo "f:$#:$2"; };
f p q r; x=${UNSET:-dflt}; echo $x; s=hello; echo ${#s} ${s%lo} ${s#he}; echo $((2 + 3 * 4))'
run files 'cp t/top c1 && mv c1 c2 && ls c*; ln -s t/top sl && cat sl; mkdir e && rmdir e && echo rmdir;
rm c2 sl; ls c2 2>&1; touch newf && test -f newf && echo touched; od -c t/top; basename /a/b/c.txt .txt;
dirname /a/b/c.txt'
echo "bbdiff: done"
