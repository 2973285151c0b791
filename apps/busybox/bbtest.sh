# bbtest.sh: one busybox shell session exercising the shell and many applets (boot test
# apps.boot.busybox: init.run=bin/busybox,sh,/bbtest.sh). Every section starts with a line
# "== NAME"; apps/busybox/busybox_boot_test.py runs this same script on the host under Debian's
# busybox-static and compares each section byte for byte (a few, about the system itself, with
# fixed values). Output must not depend on the directory it runs in, the time or the machine.
export PATH=/bin:/usr/bin:/sbin:/usr/sbin TZ=UTC LC_ALL=C
T=${BBT_DIR:-/tmp/bbt}
mkdir -p "$T" && cd "$T" || exit 1

echo "== echo"
echo hello world
echo -n "no newline|"; echo
printf '%s-%d-%x-%o-%5.2f|%-4s|\n' abc 42 255 8 3.14159 ab
printf '%b\n' 'tab\there'

echo "== heredoc"
cat > f1 <<EOF2
banana 3
apple 10
cherry 7
apple 2
date 5
EOF2
cat f1
name=world
cat <<EOF2
quoted $name $((6 * 7))
EOF2
cat <<'EOF2'
literal $name
EOF2

echo "== redirect"
echo one > r; echo two >> r; cat r
wc -l < r
ls nosuch 2> err; echo "status $?"; test -s err && echo "stderr captured"
{ echo a; echo b; } | cat -n
exec 3> fd3; echo via3 >&3; exec 3>&-; cat fd3

echo "== pipes"
seq 1 20 | sort -rn | head -3
seq 1 100 | tail -2
seq 10 | wc -l
sort f1 | uniq -c -w5
cut -d' ' -f1 f1 | sort | uniq
tr a-z A-Z < f1 | head -2
grep -n apple f1
grep -c a f1
grep -v a f1
sed 's/a/A/g; 3d' f1
awk '{ s += $2 } END { print NR, s }' f1
awk -F' ' '$2 > 4 { printf "%s=%d\n", $1, $2 * 2 }' f1
sort -k2,2n f1 | head -2
echo "3 1 2" | tr ' ' '\n' | sort | xargs echo sorted:

echo "== sums"
md5sum < f1
sha256sum < f1
sha1sum < f1
echo -n abc | md5sum
cksum < f1

echo "== shell"
f() { echo "f got $# args: $*"; return 3; }
f a "b c" d; echo "f returned $?"
for i in 1 2 3; do printf '%s,' "$i"; done; echo
i=0; while [ $i -lt 5 ]; do i=$((i + 1)); done; echo "i=$i"
case banana in b*) echo "b word";; *) echo other;; esac
x=$(echo sub; echo shell); echo "$x"
set -- p q r; echo "$# $2"; shift; echo "$1"
v=abcdef; echo "${#v} ${v%ef} ${v#ab} ${v:-unset} ${u:-default}"
[ "a" = "a" ] && echo "test ok" || echo "test bad"
false || echo "or ok"
(exit 4); echo "subshell $?"
echo $(( (1 + 2) * 3 % 5 )) $((1 << 4))
readonly ro=1; (ro=2) 2>/dev/null || echo "readonly kept"
trap 'echo trapped' EXIT; (trap 'echo sub-trapped' EXIT; true)
trap - EXIT

echo "== glob"
mkdir -p g && cd g && touch a.txt b.txt c.log .hidden
echo *.txt
echo *.log
echo ?.txt
echo [ab].*
echo *.none
cd ..

echo "== find"
mkdir -p tree/x/y && echo 1 > tree/x/one && echo 22 > tree/x/y/two && echo 333 > tree/three
find tree | sort
find tree -type f -name 't*' | sort
find tree -type d | sort | xargs -n1 basename
find tree -type f | sort | xargs wc -c
find tree -name one -exec cat {} \;
echo a b c d e | xargs -n2 echo pair

echo "== files"
mkdir -p d/e
cp f1 d/e/
mv d/e/f1 d/e/f3
ln -s f3 d/e/l
ln d/e/f3 d/e/hard
ls d/e | cat  # (a pipe: on the console ls would print columns, in colour)
readlink d/e/l
cat d/e/l | head -1
stat -c '%s %F %a %h' d/e/f3
stat -c '%F' d/e/l
rm d/e/f3
ls d/e | cat  # (a pipe: on the console ls would print columns, in colour)
rm -r d
test -e d || echo "d gone"
touch -d '2020-01-02 03:04:05' f1; stat -c %Y f1
chmod 751 f1; stat -c %a f1
mkdir -p m1/m2; rmdir m1/m2 m1; test -d m1 || echo "rmdir ok"
ls -1 g | cat
du -s tree >/dev/null && echo "du ok"
dd if=f1 of=f1.dd bs=5 count=2 2>/dev/null; cat f1.dd; echo
cmp f1 f1 && echo "cmp same"
split -l 2 f1 part_ && ls part_* | cat && cat part_ab

echo "== archive"
tar cf t.tar tree
tar tf t.tar | sort
mkdir -p out && tar xf t.tar -C out && cat out/tree/x/y/two
gzip -c f1 > f1.gz
gunzip -c f1.gz | md5sum
zcat f1.gz | wc -c
tar czf t.tgz tree && tar tzf t.tgz | sort | head -2
bzip2 -c f1 | bunzip2 -c | md5sum

echo "== text"
expr 6 \* 7
expr length hello
expr 10 / 3
seq -s, 1 5
seq 5 -2 0
basename /a/b/c.txt .txt
dirname /a/b/c.txt
date -u -d @86400 '+%Y-%m-%d %H:%M:%S'
date -u -d '2021-03-04 05:06:07' +%s
env -i A=1 B=2 env
echo "a:b:c" | cut -d: -f2,3
printf 'x\ny\nx\n' | sort -u
printf 'b\na\n' | sort -r
echo hello | rev
echo hello | od -An -c
echo 'hello' | hexdump -C | head -1
printf '1\n2\n3\n' | tac
echo "a  b   c" | tr -s ' '
echo abc | fold -w1 | head -2
yes y | head -3
nl f1 | head -2
paste -d, r r
echo "3 + 4" | bc 2>/dev/null || echo 7
factor 84
echo " trim me " | sed 's/^ *//;s/ *$//'
comm -12 r r
expand <<EOF2 | od -c | head -1
	x
EOF2
head -c 5 f1; echo
tail -c 4 f1
true; echo "true $?"; false; echo "false $?"
which ls >/dev/null && echo "which ok"
test 3 -gt 2 && echo "3 > 2"
[ -z "" ] && echo empty
strings f1 | head -1
echo done | tee tee.out; cat tee.out

echo "== system"
uname -s
uname -m
id -u
id -g
whoami 2>/dev/null || echo root
hostname
pwd | sed "s|$T|T|"
nproc
echo "== end"
