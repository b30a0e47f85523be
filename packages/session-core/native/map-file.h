// map-file.c's part of the addon, registered from robust-mutex.c's module_init.
#ifndef FASTMMAP_MAP_FILE_H
#define FASTMMAP_MAP_FILE_H
#include <node_api.h>

void register_map_file(napi_env env, napi_value exports);

#endif
