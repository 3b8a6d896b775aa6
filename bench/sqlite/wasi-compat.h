/*
** WASI stand-ins for SQLite 3.40.1's unix VFS (os_unix.c in the amalgamation).
**
** Passed with `-include wasi-compat.h` to the wasm32-wasi build of sqlite3.c
** and speedtest1.c only (bench/sqlite/build.sh); never to the native build,
** and SQLite's own text is never edited. SQLite 3.41 and later know WASI
** themselves; 3.40.1 (Debian bookworm's) assumes a POSIX system and refers to
** a few functions and constants that wasi-libc does not declare, because
** WASI has no owners, permission bits, processes or advisory locks.
**
** Each stand-in is the smallest thing that compiles AND is right for a
** single process that owns its files (WASI has no fork, and a sandboxed
** guest cannot share an open database with another process through the
** WASI API). The benchmark itself (`speedtest1 --memdb`, which also sets
** PRAGMA temp_store=memory) opens no file through the VFS at all; the
** stand-ins matter only if the same build is pointed at a file database.
**
** Not here, because wasi-libc already has an emulation and build.sh uses it:
**   getpid()  -D_WASI_EMULATED_GETPID -lwasi-emulated-getpid (a placeholder
**             pid; SQLite compares it to detect a fork, which cannot happen)
**   clock()   -D_WASI_EMULATED_PROCESS_CLOCKS -lwasi-emulated-process-clocks
** Not needed, because of flags used on both sides: mmap/munmap/mremap and
** getpagesize (-DSQLITE_OMIT_WAL -DSQLITE_MAX_MMAP_SIZE=0 leave them out of
** the VFS), dlopen (-DSQLITE_OMIT_LOAD_EXTENSION), pthreads
** (-DSQLITE_THREADSAFE=0).
*/
#ifndef CONTINUUM_SQLITE_WASI_COMPAT_H
#define CONTINUUM_SQLITE_WASI_COMPAT_H
#ifndef __wasi__
# error "wasi-compat.h is for the wasm32-wasi build only"
#endif

#include <errno.h>
#include <fcntl.h>   /* struct flock, fcntl(); included first so the macro below
                     ** does not rename wasi-libc's own declaration */
#include <stdarg.h>
#include <sys/types.h>
#include <unistd.h>

/*
** fchmod(): os_unix.c puts it in its syscall table and calls it once, in
** robust_open(), to give a newly created file SQLITE_DEFAULT_FILE_PERMISSIONS,
** ignoring the result. WASI files have no permission bits, so there is
** nothing to set: report "not supported" honestly rather than pretend.
*/
static inline int fchmod(int fd, mode_t mode){
  (void)fd; (void)mode;
  errno = ENOSYS;
  return -1;
}

/*
** geteuid() and fchown(): HAVE_FCHOWN is hard-wired on for every non-VxWorks
** build, and robustFchown() calls fchown() only when geteuid()==0, to give a
** journal the owner of its database when SQLite runs as root. WASI has no
** users; answering "not root" makes SQLite skip the fchown() call entirely,
** which is exactly right when there are no owners to keep in step. fchown()
** only has to exist for the syscall table.
*/
static inline uid_t geteuid(void){
  return 65534;   /* conventionally "nobody": any non-zero uid is "not root" */
}
static inline int fchown(int fd, uid_t uid, gid_t gid){
  (void)fd; (void)uid; (void)gid;
  errno = ENOSYS;
  return -1;
}

/*
** POSIX advisory record locks: os_unix.c locks database files with
** fcntl(F_SETLK/F_GETLK, struct flock). wasi-libc declares struct flock but
** not the F_* lock constants, and its fcntl() only knows
** F_GETFD/F_SETFD/F_GETFL/F_SETFL (anything else is EINVAL, which SQLite
** would turn into SQLITE_IOERR_LOCK). WASI preview1 has no locking call at
** all. So: define the constants (Linux's values; any distinct values not
** clashing with wasi-libc's F_GETFD..F_SETFL = 1..4 would do), and route
** os_unix.c's fcntl() through a wrapper that grants every lock request and
** reports "no conflicting lock" to F_GETLK. For one process that is exactly
** what a real lock table would answer: POSIX locks never conflict with the
** same process's own locks, and SQLite serialises its own connections on
** top (its unixInodeInfo bookkeeping). It does NOT protect a database file
** shared with another process on the host; nothing in WASI preview1 can.
*/
#ifndef F_RDLCK
# define F_RDLCK 0
# define F_WRLCK 1
# define F_UNLCK 2
#endif
#ifndef F_GETLK
# define F_GETLK 5
# define F_SETLK 6
# define F_SETLKW 7
#endif

static inline int continuum_wasi_fcntl(int fd, int cmd, ...){
  va_list ap;
  int r;
  va_start(ap, cmd);
  switch( cmd ){
    case F_GETLK: {
      struct flock *p = va_arg(ap, struct flock*);
      p->l_type = F_UNLCK;   /* nobody else holds a lock */
      r = 0;
      break;
    }
    case F_SETLK:
    case F_SETLKW:
      (void)va_arg(ap, struct flock*);
      r = 0;                 /* granted: no other process can contend */
      break;
    case F_SETFD:
    case F_SETFL:
      r = fcntl(fd, cmd, va_arg(ap, int));
      break;
    default:                 /* F_GETFD, F_GETFL, and wasi-libc's EINVAL for the rest */
      r = fcntl(fd, cmd);
      break;
  }
  va_end(ap);
  return r;
}
#define fcntl continuum_wasi_fcntl

#endif /* CONTINUUM_SQLITE_WASI_COMPAT_H */
