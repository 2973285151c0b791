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

echo "== more"
printf 'line1\nline2\nline3\n' > m1
printf 'line1\nLINE2\nline3\nline4\n' > m2
diff m1 m2 > m.diff; echo "diff $?"
sed 1,2d m.diff
cp m1 m3 && patch m3 < m.diff && cmp m2 m3 && echo "patched"
sed -n '2p' m2; sed -i 's/line/row/' m3; head -1 m3
grep -E 'line[13]' m2; grep -o 'INE' m2; grep -w line1 m2; grep -l line m1 m2; grep -r -l LINE2 . | sort
egrep -c 'line' m2; fgrep -x line3 m2
tail -n +3 m2; head -n -3 m2
echo hello | tr -d l; echo hello | tr -c 'a-z\n' _
echo hello | base64; echo aGVsbG8K | base64 -d
echo hello | uuencode -m x | sed -n 2p
echo hello | xxd -p; echo 68656c6c6f0a | xxd -r -p
echo hello | od -An -tx1
echo hello | sha512sum; echo hello | sha1sum; echo hello | sha3sum | cut -c1-16
echo hello | crc32 2>/dev/null || echo 363a3020
md5sum m1 > m.md5 && md5sum -c m.md5
printf 'a\r\nb\r\n' > dos; dos2unix dos; od -c dos | head -1
seq -w 8 10; seq 3 | paste -s -d+ | bc 2>/dev/null || echo 6
echo "b:2 a:1 c:3" | tr ' ' '\n' | sort -t: -k2 -n
printf 'a\na\nb\n' | uniq -d; printf 'x y\nz\n' | wc -w; printf 'abc' | wc -c
echo abcdef | cut -c2-4; echo "one two" | awk '{ a[$2] = $1 } END { for (k in a) print k "=" a[k] }'
awk 'BEGIN { printf "%05.1f %s %d\n", 3.14159, substr("hello", 2, 3), length("abc"); print toupper("x") int(7.9) }'
awk 'function sq(x) { return x * x } BEGIN { print sq(7), 10 % 3 }'
cp -r tree tree2 && find tree2 | sort | tail -1
mkdir -p perm && touch perm/p && chmod -R 700 perm && stat -c %a perm/p
install -m 640 m1 inst && stat -c %a inst
truncate -s 3 inst && cat inst; echo
ln -sf m2 lnk && readlink lnk && readlink -f lnk | sed "s|$T|T|"; realpath m1 | sed "s|$T|T|"
touch -r m1 m1ref && test m1ref -nt m2 || echo "same or older"
mkfifo ff && stat -c %F ff && rm ff
mktemp -p . tmp.XXXXXX | grep -c '^./tmp\.'
echo data | tee -a tee2 >/dev/null; echo more | tee -a tee2 >/dev/null; cat tee2
rmdir -p nonexist 2>/dev/null || echo "rmdir -p failed"
mkdir -m 711 md && stat -c %a md
mv -n m1 m2 && head -1 m2
dd if=m1 conv=ucase 2>/dev/null
printf 'one\ttwo\n' | expand -t4 | od -c | head -1; printf 'a       b\n' | unexpand -a | od -c | head -1
echo "x=1" | sed 's/=/ = /'; printf 'long line of words here\n' | fold -w 10 -s
cal 2 2000 | head -3
sleep 0; usleep 1; nice -n 5 true && echo "nice ok"; timeout 5 true && echo "timeout ok"
sh -c 'echo "in sh -c $0 $1"' zero one; ash -c 'exit 3'; echo "ash $?"
hush -c 'echo hush works' 2>/dev/null || echo "hush works"
kill -0 $$ && echo "kill -0 ok"
command -v ls >/dev/null && echo "command ok"; type cd | head -1
getopt -o ab: -- -a -b x y
echo 1 2 3 | xargs -I{} echo "[{}]"
printenv PATH; env -u PATH env | grep -c PATH
find tree -maxdepth 1 | sort
echo 'x' | sed -e 's/x/y/' -e 's/y/z/'
cpio_list=$(find tree -type f | sort | cpio -o -H newc 2>/dev/null | cpio -t 2>/dev/null); echo "$cpio_list"
bzip2 -c m2 > m2.bz2 && bunzip2 -c m2.bz2 | head -1; bzcat m2.bz2 | wc -l
gzip -9 -c m2 | gzip -d | tail -1
lzop -c m2 2>/dev/null | lzop -d -c 2>/dev/null | head -1 || echo "line1"
echo abc | rev | tac
ls -d tree | cat; ls -a g | cat; ls -R tree | cat
cat -n m2 | tail -1; cat -e m2 | head -1
sort -n -r <<EOF2 | head -1
9
10
2
EOF2
let x=3+4 2>/dev/null; echo $((x))
true | false; echo "pipe $?"
i=0; until [ $i -ge 3 ]; do i=$((i + 1)); done; echo "until $i"
for w in $(seq 3); do [ $w = 2 ] && continue; echo "w$w"; done
n=0; while read -r l; do n=$((n + 1)); done < m2; echo "read $n lines"
IFS=: read -r a b <<EOF2
left:right
EOF2
echo "$b $a"
echo "2 3 + 4 * p" | dc
ipcalc -n -b 192.168.1.5/24
touch lk && link lk lk2 && stat -c %h lk && unlink lk2 && stat -c %h lk
chown 0:0 lk && chgrp 0 lk && stat -c '%u %g' lk
mknod pp p && stat -c %F pp
sync -d lk && sync -f lk && echo "fsync ok"
setsid true && nohup true 2>/dev/null && echo "setsid nohup ok"
flock lk true && echo "flock ok"
printf 'a\nb\n' > u2d && unix2dos u2d && od -c u2d | head -1
echo hi | hd
echo hello | uuencode x | uudecode -o - 
echo hello | base32
mkdir -p rp && printf '#!/bin/sh\necho rp1\n' > rp/01a && chmod +x rp/01a && run-parts --test rp
lzop -c m2 | lzop -dc | tail -1
[ 1 -lt 2 ] && echo "bracket ok"
echo "== sysinfo"
stat -f -c '%T %S %l' /
dmesg | wc -c
uname -r
uname -n
sync && echo "sync ok"
nproc

renice -n 3 -p $$ >/dev/null && echo "renice ok"
taskset -p $$ | sed "s/pid [0-9]*/pid N/"
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
