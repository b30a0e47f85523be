// Robust, process-shared pthread mutexes living in a memory-mapped file: the page locks of
// the cache. Taking and releasing one costs no system call when it is free (flock costs two),
// and the kernel still frees it for the next process when its holder dies: the holder's
// thread lists it as robust, and at its death the next locker gets EOWNERDEAD.
// Every call takes the mapping's Buffer (it keeps the mapping alive for the call) and a byte
// offset into it; results are errno numbers, 0 for success.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <node_api.h>

static napi_value number(napi_env env, int32_t value) {
  napi_value result;
  napi_create_int32(env, value, &result);
  return result;
}

// The mutex at argv[0] + argv[1], or NULL when the offset is out of range or misaligned.
static pthread_mutex_t *mutex_at(napi_env env, napi_value *argv) {
  void *data;
  size_t length;
  int32_t offset;
  if (napi_get_buffer_info(env, argv[0], &data, &length) != napi_ok) return NULL;
  if (napi_get_value_int32(env, argv[1], &offset) != napi_ok) return NULL;
  if (offset < 0 || offset % 8 != 0 || (size_t)offset + sizeof(pthread_mutex_t) > length)
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

// init(buffer, offset): (re)initialises the mutex; only while no other process uses it.
static napi_value init(napi_env env, napi_callback_info info) {
  ARGS(2)
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  // The default (normal) type, not error-checking: that one takes a holder whose thread id
  // equals ours for ourselves (EDEADLK), and in another PID namespace (a container sharing
  // the file) the main thread of a process is often the same number, 1. The cache refuses a
  // second lock by one thread before it gets here.
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_NORMAL);
  int rc = pthread_mutex_init(mutex, &attr);
  pthread_mutexattr_destroy(&attr);
  return number(env, rc);
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
// EINVAL or ENOTRECOVERABLE. Blocks the calling thread up to timeoutMs.
static napi_value lock(napi_env env, napi_callback_info info) {
  ARGS(3)
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
  }
  return number(env, taken(mutex, rc));
}

// tryLock(buffer, offset): as lock, with EBUSY instead of waiting.
static napi_value try_lock(napi_env env, napi_callback_info info) {
  ARGS(2)
  return number(env, taken(mutex, pthread_mutex_trylock(mutex)));
}

// unlock(buffer, offset): 0, or EPERM when this thread does not hold it.
static napi_value unlock(napi_env env, napi_callback_info info) {
  ARGS(2)
  return number(env, pthread_mutex_unlock(mutex));
}

static napi_value module_init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"init", NULL, init, NULL, NULL, NULL, napi_default, NULL},
      {"lock", NULL, lock, NULL, NULL, NULL, napi_default, NULL},
      {"tryLock", NULL, try_lock, NULL, NULL, NULL, napi_default, NULL},
      {"unlock", NULL, unlock, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 4, methods);
  napi_set_named_property(env, exports, "mutexSize", number(env, (int32_t)sizeof(pthread_mutex_t)));
  napi_set_named_property(env, exports, "EOWNERDEAD", number(env, EOWNERDEAD));
  napi_set_named_property(env, exports, "EBUSY", number(env, EBUSY));
  napi_set_named_property(env, exports, "ETIMEDOUT", number(env, ETIMEDOUT));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, module_init)
