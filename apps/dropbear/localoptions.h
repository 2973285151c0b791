/*
 * localoptions.h: Tessera's choices among Dropbear's compile-time options (its
 * default_options.h says what each one is). build/dropbear.sh copies this file into the
 * build directory, where Dropbear's Makefile looks for it and options.h includes it ahead of
 * the defaults; nothing of Dropbear's source is changed. Each option here is one upstream sets
 * otherwise, with why.
 */

/* The server re-execs itself for each connection with fexecve, which musl makes execveat
 * (not served by the libOS) or an exec of /proc/self/fd/N: a plain fork per connection
 * instead, as Dropbear did before 2022.82. */
#define DROPBEAR_REEXEC 0

/* No sftp-server program in the image (Debian's package points at OpenSSH's). */
#define DROPBEAR_SFTPSERVER 0
