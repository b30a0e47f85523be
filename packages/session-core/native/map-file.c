// Maps a file MAP_SHARED into an external Buffer that munmaps when the garbage collector frees
// it: what the cache used from @riaskov/mmap-io, whose build fails on Node 23+ (it pins
// -std=c++17; V8's headers there need C++20). Both map the file the same way, so processes of
// either kind share it.
// map(size, protection, flags, fd[, offset]): flags must be MAP_SHARED, protection PROT_READ or
// PROT_READ|PROT_WRITE. Failures throw as mmap-io's do ("mmap failed, <errno>"), with the
// errno name as code and the number as errno.
#define _GNU_SOURCE
#include "map-file.h"
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static napi_value int_value(napi_env env, int32_t value) {
  napi_value result;
  napi_create_int32(env, value, &result);
  return result;
}

static void unmap(napi_env env, void *data, void *hint) {
  munmap(data, (size_t)(uintptr_t)hint);
}

// Bad arguments are the caller's bug: a TypeError with Node's code, never a mapping.
static napi_value bad_argument(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", message);
  return NULL;
}

// The errors mmap(2) documents (strerrorname_np is glibc 2.32+ only; musl has none).
static const char *errno_name(int err) {
  switch (err) {
    case EACCES: return "EACCES";
    case EAGAIN: return "EAGAIN";
    case EBADF: return "EBADF";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case ENODEV: return "ENODEV";
    case ENOMEM: return "ENOMEM";
    case ENOTSUP: return "ENOTSUP";
    case EOVERFLOW: return "EOVERFLOW";
    case EPERM: return "EPERM";
    case ETXTBSY: return "ETXTBSY";
    default: return "EUNKNOWN";
  }
}

static napi_value mmap_failed(napi_env env, int err) {
  char message[64];
  snprintf(message, sizeof message, "mmap failed, %d", err);
  napi_value error, text, code, syscall;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
  napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, "mmap", NAPI_AUTO_LENGTH, &syscall);
  napi_create_error(env, code, text, &error);
  napi_set_named_property(env, error, "errno", int_value(env, err));
  napi_set_named_property(env, error, "syscall", syscall);
  napi_throw(env, error);
  return NULL;
}

// A JS number that is a whole number in [min, max]. Not napi_get_value_int64/int32: they turn
// NaN and Infinity into 0, drop fractions and wrap int32s (2^32 + 3 becomes 3), so a caller's
// bug would map offset 0 or another descriptor instead of throwing.
static bool integer_arg(napi_env env, napi_value value, double min, double max, int64_t *out) {
  double number;
  if (napi_get_value_double(env, value, &number) != napi_ok) return false;
  if (!(number >= min && number <= max)) return false; // NaN fails here too
  *out = (int64_t)number;
  return (double)*out == number;
}

static bool is_undefined(napi_env env, napi_value value) {
  napi_valuetype type;
  return napi_typeof(env, value, &type) == napi_ok && type == napi_undefined;
}

static napi_value map(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) return bad_argument(env, "map(size, protection, flags, fd[, offset])");
  int64_t size, prot, flags, fd, offset = 0;
  // A Buffer holds at most 2^32 bytes on every Node we support; the cache keeps files below 2 GiB.
  if (!integer_arg(env, argv[0], 1, INT32_MAX, &size))
    return bad_argument(env, "map: size must be an integer from 1 to 2^31-1");
  if (!integer_arg(env, argv[1], INT32_MIN, INT32_MAX, &prot) ||
      !integer_arg(env, argv[2], INT32_MIN, INT32_MAX, &flags) ||
      !integer_arg(env, argv[3], INT32_MIN, INT32_MAX, &fd))
    return bad_argument(env, "map: protection, flags and fd must be 32-bit integers");
  // undefined is an omitted offset, as the MmapIo type (offset?: number) and mmap-io take it.
  if (argc > 4 && !is_undefined(env, argv[4]) &&
      !integer_arg(env, argv[4], 0, 9007199254740991.0, &offset))
    return bad_argument(env, "map: offset must be a non-negative multiple of the page size");
  if (offset % sysconf(_SC_PAGESIZE) != 0)
    return bad_argument(env, "map: offset must be a non-negative multiple of the page size");
  if (flags != MAP_SHARED) return bad_argument(env, "map: flags must be MAP_SHARED");
  if (prot != PROT_READ && prot != (PROT_READ | PROT_WRITE))
    return bad_argument(env, "map: protection must be PROT_READ or PROT_READ|PROT_WRITE");
  void *data = mmap(NULL, (size_t)size, (int)prot, (int)flags, (int)fd, (off_t)offset);
  if (data == MAP_FAILED) return mmap_failed(env, errno);
  napi_value buffer;
  napi_status status =
      napi_create_external_buffer(env, (size_t)size, data, unmap, (void *)(uintptr_t)size, &buffer);
  if (status != napi_ok) {
    // No Buffer owns it (a runtime that refuses external buffers, or no memory): not leaked.
    munmap(data, (size_t)size);
    return mmap_failed(env, status == napi_no_external_buffers_allowed ? ENOTSUP : ENOMEM);
  }
  return buffer;
}

void register_map_file(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "map", NAPI_AUTO_LENGTH, map, NULL, &fn);
  napi_set_named_property(env, exports, "map", fn);
  napi_set_named_property(env, exports, "PROT_READ", int_value(env, PROT_READ));
  napi_set_named_property(env, exports, "PROT_WRITE", int_value(env, PROT_WRITE));
  napi_set_named_property(env, exports, "MAP_SHARED", int_value(env, MAP_SHARED));
}
