// Robust, process-shared pthread mutexes living in a memory-mapped file: the page locks of
// the cache. Taking and releasing one costs no system call when it is free (flock costs two),
// and the kernel still frees it for the next process when its holder dies: the holder's
// thread lists it as robust, and at its death the next locker gets EOWNERDEAD.
// Every call takes the mapping's Buffer (it keeps the mapping alive for the call) and a byte
// offset into it; results are errno numbers, 0 for success.
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <node_api.h>
#include "map-file.h"

static void make(pthread_mutex_t *mutex, int *rc);

// Written after each mutex in the file (layout.ts: MUTEX_LIBC_TAG), so that a process of the
// other C library, whose mutexes are laid out differently, can refuse the file.
#define LIBC_TAG_OFFSET 56
#ifdef __GLIBC__
#define LIBC_TAG 0x474c4942u /* "GLIB" */
#else
#define LIBC_TAG 0x4d55534cu /* "MUSL" */
#endif

// Damage: bytes written over a mutex (garbage in the file) must not lock its pages for good.
// glibc's layout is public (pthread_mutex_t.__data), so there a mutex is checked against one
// made here at load; elsewhere (musl) nothing is checked.
#ifdef __GLIBC__
static int made_kind;
// The thread id bits of a futex word (linux/futex.h's FUTEX_TID_MASK).
#define TID_MASK 0x3fffffff

static void learn_kind(void) {
  pthread_mutex_t reference;
  int rc;
  make(&reference, &rc);
  made_kind = reference.__data.__kind;
  pthread_mutex_destroy(&reference);
}

// glibc's elision flags (PTHREAD_MUTEX_ELISION_NP, PTHREAD_MUTEX_NO_ELISION_NP): which of
// them init sets has changed between versions, and a file may be shared by processes of two.
#define ELISION_FLAGS 0x300

// The type word differs from that of a mutex init() makes (glibc never changes it; the
// other words change with every lock).
static int garbled(pthread_mutex_t *mutex) {
  return ((mutex->__data.__kind ^ made_kind) & ~ELISION_FLAGS) != 0;
}

// A lock word no holder wrote: set, yet naming no thread (flag bits only), or a thread the
// owner word disagrees with. A holder writes both (the lock word first, then the owner, and
// the other way round at unlock, nanoseconds apart), so two looks a millisecond apart that
// find the same disagreement find a stray write. A free mutex (lock word 0) is never one.
// (INT_MAX: glibc's owner between EOWNERDEAD and pthread_mutex_consistent.)
static int stray_lock_word(int lock, int owner) {
  if (lock == 0 || owner == INT_MAX) return 0;
  return (lock & TID_MASK) == 0 || (lock & TID_MASK) != owner;
}

static int ownerless(pthread_mutex_t *mutex) {
  int lock = __atomic_load_n(&mutex->__data.__lock, __ATOMIC_ACQUIRE);
  int owner = __atomic_load_n(&mutex->__data.__owner, __ATOMIC_ACQUIRE);
  if (!stray_lock_word(lock, owner)) return 0;
  struct timespec pause = {0, 1000000L};
  nanosleep(&pause, NULL);
  return __atomic_load_n(&mutex->__data.__lock, __ATOMIC_ACQUIRE) == lock &&
         __atomic_load_n(&mutex->__data.__owner, __ATOMIC_ACQUIRE) == owner;
}
#else
static void learn_kind(void) {}
static int garbled(pthread_mutex_t *mutex) { return 0; }
static int ownerless(pthread_mutex_t *mutex) { return 0; }
#endif

static napi_value number(napi_env env, int32_t value) {
  napi_value result;
  napi_create_int32(env, value, &result);
  return result;
}

// The mutex at argv[0] + argv[1], or NULL when the offset is out of range (the mutex and the
// tag after it) or misaligned.
static pthread_mutex_t *mutex_at(napi_env env, napi_value *argv) {
  void *data;
  size_t length;
  int32_t offset;
  if (napi_get_buffer_info(env, argv[0], &data, &length) != napi_ok) return NULL;
  if (napi_get_value_int32(env, argv[1], &offset) != napi_ok) return NULL;
  if (offset < 0 || offset % 8 != 0 || (size_t)offset + sizeof(pthread_mutex_t) > length ||
      (size_t)offset + LIBC_TAG_OFFSET + 4 > length)
    return NULL;
  return (pthread_mutex_t *)((uint8_t *)data + offset);
}

#define ARGS(n)                                              \
  size_t argc = n;                                           \
  napi_value argv[n];                                        \
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);      \
  if (argc < n) return number(env, EINVAL);                  \
  pthread_mutex_t *mutex = mutex_at(env, argv);              \
  if (mutex == NULL) return number(env, EINVAL);

// init(buffer, offset): (re)initialises the mutex; only while no other process uses it, or
// when check() finds it damaged.
static napi_value init(napi_env env, napi_callback_info info) {
  ARGS(2)
  int rc;
  make(mutex, &rc);
  if (rc == 0) *(uint32_t *)((uint8_t *)mutex + LIBC_TAG_OFFSET) = LIBC_TAG;
  return number(env, rc);
}

static void make(pthread_mutex_t *mutex, int *rc) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  // The default (normal) type, not error-checking: that one takes a holder whose thread id
  // equals ours for ourselves (EDEADLK), and in another PID namespace (a container sharing
  // the file) the main thread of a process is often the same number, 1. The cache refuses a
  // second lock by one thread before it gets here.
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_NORMAL);
  *rc = pthread_mutex_init(mutex, &attr);
  pthread_mutexattr_destroy(&attr);
}

// check(buffer, offset): 0, or EUCLEAN when the mutex is damaged (see garbled and ownerless).
static napi_value check(napi_env env, napi_callback_info info) {
  ARGS(2)
  return number(env, garbled(mutex) || ownerless(mutex) ? EUCLEAN : 0);
}

// EOWNERDEAD: the last holder died holding it. Marked consistent here, so the caller holds a
// normal lock and repairs what the holder left half-done.
static int32_t taken(pthread_mutex_t *mutex, int rc) {
  if (rc == EOWNERDEAD) {
    int fixed = pthread_mutex_consistent(mutex);
    if (fixed != 0) return fixed;
  }
  return rc;
}

// lock(buffer, offset, timeoutMs): 0, EOWNERDEAD (held, the last holder died), ETIMEDOUT,
// EUCLEAN (damaged: garbled, or a wait that timed out on a lock word no owner wrote), EINVAL
// or ENOTRECOVERABLE. Blocks the calling thread up to timeoutMs.
static napi_value lock(napi_env env, napi_callback_info info) {
  ARGS(3)
  if (garbled(mutex)) return number(env, EUCLEAN);
  int rc = pthread_mutex_trylock(mutex);
  if (rc == EBUSY) {
    int32_t ms = 0;
    napi_get_value_int32(env, argv[2], &ms);
    if (ms < 0) ms = 0;
    // glibc (2.30+) can time the wait on the monotonic clock; musl only on the wall clock,
    // which a clock step moves.
#ifdef __GLIBC__
    const clockid_t clock = CLOCK_MONOTONIC;
#else
    const clockid_t clock = CLOCK_REALTIME;
#endif
    struct timespec deadline;
    clock_gettime(clock, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
      deadline.tv_sec += 1;
      deadline.tv_nsec -= 1000000000L;
    }
#ifdef __GLIBC__
    rc = pthread_mutex_clocklock(mutex, clock, &deadline);
#else
    rc = pthread_mutex_timedlock(mutex, &deadline);
#endif
    if (rc == ETIMEDOUT && ownerless(mutex)) rc = EUCLEAN;
  }
  return number(env, taken(mutex, rc));
}

// tryLock(buffer, offset): as lock, with EBUSY instead of waiting.
static napi_value try_lock(napi_env env, napi_callback_info info) {
  ARGS(2)
  if (garbled(mutex)) return number(env, EUCLEAN);
  return number(env, taken(mutex, pthread_mutex_trylock(mutex)));
}

// unlock(buffer, offset): 0, EPERM when this thread does not hold it, or EUCLEAN when it was
// garbled while held (glibc would act on the garbage).
static napi_value unlock(napi_env env, napi_callback_info info) {
  ARGS(2)
  if (garbled(mutex)) return number(env, EUCLEAN);
  return number(env, pthread_mutex_unlock(mutex));
}

static napi_value module_init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"init", NULL, init, NULL, NULL, NULL, napi_default, NULL},
      {"lock", NULL, lock, NULL, NULL, NULL, napi_default, NULL},
      {"tryLock", NULL, try_lock, NULL, NULL, NULL, napi_default, NULL},
      {"unlock", NULL, unlock, NULL, NULL, NULL, napi_default, NULL},
      {"check", NULL, check, NULL, NULL, NULL, napi_default, NULL},
  };
  learn_kind();
  napi_define_properties(env, exports, 5, methods);
  napi_set_named_property(env, exports, "mutexSize", number(env, (int32_t)sizeof(pthread_mutex_t)));
  napi_set_named_property(env, exports, "libcTag", number(env, (int32_t)LIBC_TAG));
  napi_set_named_property(env, exports, "EOWNERDEAD", number(env, EOWNERDEAD));
  napi_set_named_property(env, exports, "EBUSY", number(env, EBUSY));
  napi_set_named_property(env, exports, "ETIMEDOUT", number(env, ETIMEDOUT));
  napi_set_named_property(env, exports, "EUCLEAN", number(env, EUCLEAN));
  napi_set_named_property(env, exports, "ENOTRECOVERABLE", number(env, ENOTRECOVERABLE));
  // The cache's mapping, when @riaskov/mmap-io (optional) is not built.
  register_map_file(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, module_init)
